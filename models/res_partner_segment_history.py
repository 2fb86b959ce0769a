from odoo import fields, models


class ResPartnerSegmentHistory(models.Model):
    """One row per recompute of a segment: its size then and how it moved."""

    _name = "res.partner.segment.history"
    _description = "Segment size history"
    _order = "computed_at desc, id desc"
    _rec_name = "computed_at"

    segment_id = fields.Many2one(
        "res.partner.segment", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="segment_id.company_id", store=True, index=True)
    computed_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    member_count = fields.Integer("Members")
    added_count = fields.Integer("Joined")
    removed_count = fields.Integer("Left")
    duration = fields.Float("Duration (s)", digits=(16, 3))
