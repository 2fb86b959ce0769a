from odoo import fields, models

from ..engine.lifecycle import STAGES


class ResPartnerLifecycleSnapshot(models.Model):
    """Count of partners per stage per company on the day of a recompute: the trend."""

    _name = "res.partner.lifecycle.snapshot"
    _inherit = ["partner.segmentation.selection.order.mixin"]
    _description = "Lifecycle stage sizes over time"
    _order = "date desc, company_id, stage"
    _rec_name = "date"
    _ordered_selections = ("stage",)

    date = fields.Date(required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    stage = fields.Selection(STAGES, required=True)
    partner_count = fields.Integer("Partners", aggregator="sum")

    _sql_constraints = [
        ("date_company_stage_unique", "UNIQUE(date, company_id, stage)", "One count per stage, company and day."),
    ]
