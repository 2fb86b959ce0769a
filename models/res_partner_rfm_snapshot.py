from odoo import fields, models

from ..engine.rfm import SEGMENT_SELECTION
from .res_partner_lifecycle import SALES_FIGURES


class ResPartnerRfmSnapshot(models.Model):
    """Customers and their purchases per RFM segment per company on the day of a lifecycle
    recompute: how customers flow from "loyal" to "at risk"."""

    _name = "res.partner.rfm.snapshot"
    _inherit = ["partner.segmentation.selection.order.mixin"]
    _description = "RFM segment sizes over time"
    _order = "date desc, company_id, rfm_segment"
    _rec_name = "date"
    _ordered_selections = ("rfm_segment",)

    date = fields.Date(required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    rfm_segment = fields.Selection(SEGMENT_SELECTION, "RFM segment", required=True)
    partner_count = fields.Integer("Customers", aggregator="sum")
    purchase_total = fields.Monetary(
        "Purchased (untaxed)", groups=SALES_FIGURES, help="Everything these customers bought, untaxed."
    )

    _sql_constraints = [
        (
            "date_company_segment_unique",
            "UNIQUE(date, company_id, rfm_segment)",
            "One count per RFM segment, company and day.",
        ),
    ]
