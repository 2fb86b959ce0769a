from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSegmentTour(HttpCase):
    def test_create_dynamic_segment_in_the_web_client(self):
        self.env["res.partner"].create([{"name": f"Tour partner {i}", "city": "Tourcity"} for i in range(3)])
        self.start_tour(
            "/odoo/action-partner_segmentation.res_partner_segment_action?debug=1",
            "partner_segmentation_segment_tour",
            login="admin",
        )
        segment = self.env["res.partner.segment"].search([("name", "=", "Tourcity customers")])
        self.assertEqual(segment.segment_type, "dynamic")
        self.assertEqual(segment.member_count, 3)
        self.assertEqual(len(segment.partner_ids), 3)
