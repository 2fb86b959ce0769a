from psycopg2 import errorcodes

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import mute_logger

from ..engine import insights
from ..engine.batch import local_settings

# every pair is a cell and a self-join of the members: more would be no matrix to read
MAX_OVERLAP_SEGMENTS = 20
OVERLAP_TIMEOUT = "60s"


class ResPartnerSegmentOverlapWizard(models.TransientModel):
    """How many partners each pair of chosen segments shares, computed in SQL."""

    _name = "res.partner.segment.overlap.wizard"
    _description = "Segment overlap"
    _inherit = ["partner.segmentation.selection.mixin"]
    _selection_model = "res.partner.segment"
    _selection_field = "segment_ids"

    segment_ids = fields.Many2many("res.partner.segment", string="Segments", required=True)
    line_ids = fields.One2many("res.partner.segment.overlap.wizard.line", "overlap_id", readonly=True)

    def action_compute(self):
        """Fill the pairs (A, B) for A before B and the diagonal, then show the matrix."""
        self.ensure_one()
        segments = self.segment_ids
        segments.check_access("read")
        if len(segments) > MAX_OVERLAP_SEGMENTS:
            raise UserError(
                self.env._(
                    "Choose at most %(max)s segments to compare (%(count)s chosen): the matrix has a "
                    "cell for every pair.",
                    max=MAX_OVERLAP_SEGMENTS,
                    count=len(segments),
                )
            )
        self.env["res.partner.segment"].flush_model(["partner_ids"])
        try:
            with (
                self.env.cr.savepoint(flush=False),
                mute_logger("odoo.sql_db"),
                local_settings(self.env.cr, statement_timeout=OVERLAP_TIMEOUT),
            ):
                readable = segments._readable_partners_sql()
                shared = insights.overlaps(self.env.cr, segments.ids, readable)
                in_any = insights.partners_in_any(self.env.cr, segments.ids, readable)
        except Exception as exc:
            if getattr(exc, "pgcode", None) != errorcodes.QUERY_CANCELED:
                raise
            raise UserError(
                self.env._(
                    "Comparing these segments took more than %s: compare fewer or smaller segments.",
                    OVERLAP_TIMEOUT,
                )
            ) from None
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
            # the matrix's totals are its largest cells: the partners of all, counted once
            "name": self.env._("Segment overlap: %s partners in at least one", in_any),
            "res_model": "res.partner.segment.overlap.wizard.line",
            "view_mode": "pivot,list",
            "domain": [("overlap_id", "=", self.id)],
            "target": "current",
            "context": {"pivot_measures": ["shared_count", "share_percent"]},
        }
