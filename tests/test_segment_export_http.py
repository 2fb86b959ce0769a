import csv
import hashlib
import io

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSegmentExportHttp(HttpCase):
    """Finding 3: both exports, downloaded by a logged-in user of company B, hold only the
    partners that user may read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Export Company B"})
        new_test_user(
            cls.env,
            login="export_user_b",
            company_id=cls.company_b.id,
            company_ids=cls.company_b.ids,
            groups="base.group_user,partner_segmentation.group_segment_user",
        )
        Partner = cls.env["res.partner"]
        cls.secret = Partner.create(
            {
                "name": "Alice Secret",
                "email": "alice@secret.example",
                "phone": "+32 9 111 11 11",
                "city": "Exportville",
                "company_id": cls.company_a.id,
            }
        )
        cls.shared = Partner.create({"name": "Bob Shared", "email": "bob@shared.example", "city": "Exportville"})
        cls.segment = cls.env["res.partner.segment"].create(
            {"name": "Exportville", "company_id": False, "domain": "[('city', '=', 'Exportville')]"}
        )
        cls.segment.action_recompute()

    def download(self, kind):
        response = self.url_open(f"/partner_segmentation/segment/{self.segment.id}/export/{kind}")
        self.assertEqual(response.status_code, 200)
        return list(csv.DictReader(io.StringIO(response.content.decode())))

    def test_members_export_as_company_b_user(self):
        self.authenticate("admin", "admin")
        self.assertEqual(
            {row["Email"] for row in self.download("members")}, {"alice@secret.example", "bob@shared.example"}
        )
        self.authenticate("export_user_b", "export_user_b")
        rows = self.download("members")
        self.assertEqual([row["Email"] for row in rows], ["bob@shared.example"])

    def test_the_file_is_named_after_the_segment(self):
        self.segment.name = 'VIP "Gent/Gand" été'
        self.authenticate("admin", "admin")
        response = self.url_open(f"/partner_segmentation/segment/{self.segment.id}/export/audience")
        self.assertEqual(
            response.headers["Content-Disposition"],
            "attachment; filename*=UTF-8''VIP%20%22Gent%2FGand%22%20%C3%A9t%C3%A9%20-%20ad-audience.csv",
        )

    def test_audience_export_as_company_b_user(self):
        secret_hash = hashlib.sha256(b"alice@secret.example").hexdigest()
        self.authenticate("admin", "admin")
        self.assertIn(secret_hash, {row["Email"] for row in self.download("audience")})
        self.authenticate("export_user_b", "export_user_b")
        emails = {row["Email"] for row in self.download("audience")}
        self.assertEqual(emails, {hashlib.sha256(b"bob@shared.example").hexdigest()})
