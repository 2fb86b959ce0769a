from odoo import api, fields, models

from ..engine import membership


class ResPartnerSegmentEvent(models.Model):
    """A partner joining or leaving a dynamic segment at a recompute (not on its first
    build, where everyone joins: the size history records that)."""

    _name = "res.partner.segment.event"
    _inherit = ["partner.segmentation.readable.partner.mixin"]
    _description = "Segment entry or exit"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    segment_id = fields.Many2one("res.partner.segment", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")
    kind = fields.Selection([("joined", "Joined"), ("left", "Left")], required=True)
    date = fields.Datetime(required=True, index=True)

    @api.autovacuum
    def _gc_old_events(self):
        """Keep entries and exits for the configured number of days (default 180)."""
        days = int(
            self.env["ir.config_parameter"].sudo().get_param("partner_segmentation.event_retention_days", 180)
        )
        membership.delete_events_before(self.env.cr, days)
