from odoo import fields, models
from odoo.tools.sql import create_index

from ..engine.lifecycle import STAGES
from .res_partner import SALES_FIGURES


class ResPartnerLifecycle(models.Model):
    """Where a customer (commercial entity) stands with one company.

    Written only by the set-based recompute (``res.company.action_recompute_lifecycle``);
    partners read it for ``env.company`` through their commercial entity.

    No create/write user and date columns (``_log_access = False``, as Odoo's own
    ``mail.followers``): rows are always the recompute's, their date is in the row, and on
    a million partners the two foreign keys to res_users cost a third of a first run.
    """

    _name = "res.partner.lifecycle"
    _inherit = ["partner.segmentation.readable.partner.mixin"]
    _description = "Customer lifecycle per company"
    _order = "company_id, partner_id"
    _rec_name = "partner_id"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    stage = fields.Selection(STAGES, required=True)
    stage_since = fields.Date()
    # purchase figures: for users who work with orders, as on partners
    purchase_count = fields.Integer("Purchases", groups=SALES_FIGURES)
    first_purchase_date = fields.Date("First purchase", groups=SALES_FIGURES)
    last_purchase_date = fields.Date("Last purchase", groups=SALES_FIGURES)
    purchase_total = fields.Monetary(
        "Purchased (untaxed)",
        currency_field="currency_id",
        groups=SALES_FIGURES,
        help="Sum of the untaxed amounts of the confirmed orders, as recorded on them.",
    )
    purchase_average = fields.Monetary(
        "Average order (untaxed)", currency_field="currency_id", groups=SALES_FIGURES
    )
    purchase_total_12m = fields.Monetary(
        "Purchased, last 12 months",
        currency_field="currency_id",
        groups=SALES_FIGURES,
        help="Untaxed amount of the confirmed orders of the last 365 days.",
    )

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE(partner_id, company_id)",
            "A partner has one lifecycle row per company.",
        ),
    ]

    def init(self):
        create_index(
            self.env.cr, "res_partner_lifecycle_company_stage_index", self._table, ["company_id", "stage"]
        )
