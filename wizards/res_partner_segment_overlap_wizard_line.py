from odoo import fields, models


class ResPartnerSegmentOverlapWizardLine(models.TransientModel):
    """One cell of the overlap matrix: partners in both A and B, and their share of A."""

    _name = "res.partner.segment.overlap.wizard.line"
    _inherit = ["partner.segmentation.readable.links.mixin"]
    _description = "Segment overlap cell"
    _order = "segment_a_id, segment_b_id"

    overlap_id = fields.Many2one("res.partner.segment.overlap.wizard", required=True, ondelete="cascade")
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
