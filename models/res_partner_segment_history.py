from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.osv import expression


class ResPartnerSegmentHistory(models.Model):
    """One row per recompute of a segment: its size then and how it moved."""

    _name = "res.partner.segment.history"
    _inherit = ["partner.segmentation.system.record.mixin"]
    _description = "Segment size history"
    _order = "computed_at desc, id desc"
    _rec_name = "computed_at"

    segment_id = fields.Many2one("res.partner.segment", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="segment_id.company_id", store=True, index=True)
    computed_at = fields.Datetime("Computed", required=True, default=fields.Datetime.now, index=True)
    member_count = fields.Integer("Members")
    added_count = fields.Integer("Joined")
    removed_count = fields.Integer("Left")
    duration = fields.Float("Duration (s)", digits=(16, 3))
    last_of_day = fields.Boolean(
        "Last of the day",
        default=True,
        index=True,
        help="The segment's last computation of its day (UTC): its size that day, one point per day in the chart.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        rows = super().create(vals_list)
        for row in rows:
            day = datetime.combine(row.computed_at.date(), time.min)
            self.sudo().search(
                [
                    ("segment_id", "=", row.segment_id.id),
                    ("last_of_day", "=", True),
                    ("computed_at", ">=", day),
                    ("computed_at", "<", day + timedelta(days=1)),
                    ("id", "<", row.id),
                ]
            ).last_of_day = False
        return rows

    def _search(self, domain, offset=0, limit=None, order=None):
        """The size history of a segment shared with all companies counts every company's
        partners: only users of every company see it."""
        if not self.env.su and not self.env["res.partner.segment"]._is_user_of_every_company():
            domain = expression.AND([domain, [("company_id", "!=", False)]])
        return super()._search(domain, offset, limit, order)
