import tempfile

from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.http import content_disposition, request

from ..engine import insights

KINDS = {"members": "members", "audience": "ad-audience"}


class SegmentExport(http.Controller):
    @http.route("/partner_segmentation/segment/<int:segment_id>/export/<string:kind>", type="http", auth="user")
    def export(self, segment_id, kind):
        """Members as CSV, written by PostgreSQL (COPY) into a temporary file and streamed:
        memory stays flat whatever the segment's size. Only the members the requesting user
        may read (Odoo's record rules for that user, in the user's companies)."""
        if kind not in KINDS:
            raise request.not_found()
        segment = request.env["res.partner.segment"].browse(segment_id)
        segment.check_access("read")
        visible = segment._readable_partners_condition("p")
        query = insights.export_query(segment.id, kind, visible)
        stream = tempfile.TemporaryFile()
        insights.copy_csv(request.env.cr, query, stream)
        size = stream.tell()
        stream.seek(0)
        filename = f"{segment.name} - {KINDS[kind]}.csv"  # any character: quoted as RFC 6266 says
        return request.make_response(
            wrap_file(request.httprequest.environ, stream),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Length", str(size)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
