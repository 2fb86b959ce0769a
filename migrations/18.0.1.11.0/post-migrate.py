"""18.0.1.11.0: what each segment uses is read again, as the scheduler reads it (in its
company), with "Segments is set / is not set", names read "like", ids written as decimals
and paths past a segment (they were not counted as uses). A segment found to use itself
records the error at its next recompute and keeps its members."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    segments = env["res.partner.segment"].with_context(active_test=False).search([])
    env.add_to_compute(segments._fields["depends_on_ids"], segments)
    segments.flush_recordset(["depends_on_ids"])
