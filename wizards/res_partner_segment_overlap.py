from odoo import fields, models

from ..engine import insights


class ResPartnerSegmentOverlap(models.TransientModel):
    """How many partners each pair of chosen segments shares, computed in SQL."""

    _name = "res.partner.segment.overlap"
    _description = "Segment overlap"
    _inherit = ["partner.segmentation.selection.mixin"]
    _selection_model = "res.partner.segment"
    _selection_field = "segment_ids"

    segment_ids = fields.Many2many("res.partner.segment", string="Segments", required=True)
    line_ids = fields.One2many("res.partner.segment.overlap.line", "overlap_id", readonly=True)

    def action_compute(self):
        """Fill the pairs (A, B) for A before B and the diagonal, then show the matrix."""
        self.ensure_one()
        segments = self.segment_ids
        segments.check_access("read")
        self.env["res.partner.segment"].flush_model(["partner_ids"])
        shared = insights.overlaps(self.env.cr, segments.ids, segments._readable_partners_sql())
        sizes = {s.id: shared.get((s.id, s.id), 0) for s in segments}
        lines = [fields.Command.clear()]
        for a in segments:
            for b in segments:
                key = (min(a.id, b.id), max(a.id, b.id))
                count = shared.get(key, 0)
                lines.append(
                    fields.Command.create(
                        {
                            "segment_a_id": a.id,
                            "segment_b_id": b.id,
                            "shared_count": count,
                            "share_percent": 100.0 * count / sizes[a.id] if sizes[a.id] else 0.0,
                        }
                    )
                )
        self.line_ids = lines
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Segment overlap"),
            "res_model": "res.partner.segment.overlap.line",
            "view_mode": "pivot,list",
            "domain": [("overlap_id", "=", self.id)],
            "target": "current",
            "context": {"pivot_measures": ["shared_count"]},
        }


class ResPartnerSegmentOverlapLine(models.TransientModel):
    """One cell of the overlap matrix: partners in both A and B, and their share of A."""

    _name = "res.partner.segment.overlap.line"
    _description = "Segment overlap cell"
    _order = "segment_a_id, segment_b_id"

    overlap_id = fields.Many2one("res.partner.segment.overlap", required=True, ondelete="cascade")
    segment_a_id = fields.Many2one("res.partner.segment", "Segment", required=True)
    segment_b_id = fields.Many2one("res.partner.segment", "Shared with", required=True)
    # max, not sum: a row's total is then the segment's own size (its cell with itself), not
    # a sum of pair counts that means nothing
    shared_count = fields.Integer("Shared partners", aggregator="max")
    share_percent = fields.Float("Share of segment (%)", digits=(5, 1), aggregator="max")

    def action_open_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("In %(a)s and %(b)s", a=self.segment_a_id.name, b=self.segment_b_id.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("segment_ids", "in", self.segment_a_id.ids), ("segment_ids", "in", self.segment_b_id.ids)],
        }
