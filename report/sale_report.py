from odoo import fields, models

from ..engine.lifecycle import STAGES
from ..models.res_partner import STAGE_READERS


class SaleReport(models.Model):
    """Sales Analysis by the customer's lifecycle stage ("Revenue by lifecycle stage") and
    segments: the stage is a column of the report's query, joined from the lifecycle row of
    the order's commercial partner in the order's company (one row per pair: the grouping
    of the report is unchanged)."""

    _name = "sale.report"
    _inherit = [
        "sale.report",
        "partner.segmentation.selection.order.mixin",
        "partner.segmentation.customer.segments.mixin",
    ]
    _ordered_selections = ("partner_lifecycle_stage",)

    partner_lifecycle_stage = fields.Selection(
        STAGES,
        "Customer lifecycle stage",
        readonly=True,
        groups=STAGE_READERS,
        help="Where the customer (its company, for a contact) stands with the order's company.",
    )

    def _select_additional_fields(self):
        return {**super()._select_additional_fields(), "partner_lifecycle_stage": "partner_lifecycle.stage"}

    def _from_sale(self):
        return (
            super()._from_sale()
            + """
            LEFT JOIN res_partner_lifecycle partner_lifecycle
                   ON partner_lifecycle.partner_id = partner.commercial_partner_id
                  AND partner_lifecycle.company_id = s.company_id"""
        )

    def _group_by_sale(self):
        return super()._group_by_sale() + ",\n            partner_lifecycle.stage"
