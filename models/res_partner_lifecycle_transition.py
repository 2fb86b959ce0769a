from odoo import fields, models

from ..engine.lifecycle import STAGES


class ResPartnerLifecycleTransition(models.Model):
    """A partner's move from one stage to another, as seen by a recompute (written in bulk
    by it: no create/write columns, see res.partner.lifecycle)."""

    _name = "res.partner.lifecycle.transition"
    _inherit = ["partner.segmentation.readable.partner.mixin", "partner.segmentation.selection.order.mixin"]
    _description = "Lifecycle stage change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _log_access = False
    _ordered_selections = ("from_stage", "to_stage")

    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    from_stage = fields.Selection(STAGES, "From stage", help="Empty: the partner had no stage before.")
    to_stage = fields.Selection(STAGES, "To stage", help="Empty: the partner lost all history.")
    date = fields.Date(required=True, index=True)
    initial = fields.Boolean(
        "First stage",
        help="The partner's first stage in this company (on the first computation, every "
        "customer's): an entry, not a change.",
    )
