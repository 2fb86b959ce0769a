from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestInsightTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.shared = Partner.create(
            [{"name": f"Tour shared {i}", "city": "Tourville", "email": f"s{i}@example.com"} for i in range(2)]
        )
        Partner.create(
            [{"name": "Tour only A", "city": "Tourville"}, {"name": "Tour only B", "email": "b@example.com"}]
        )
        segments = cls.env["res.partner.segment"].create(
            [
                {"name": "Tour overlap A", "domain": "[('city', '=', 'Tourville')]"},
                {
                    "name": "Tour overlap B",
                    "domain": "[('email', '=like', '%@example.com'), ('name', 'like', 'Tour ')]",
                },
            ]
        )
        segments.action_recompute()

    def test_overlap_matrix_in_the_web_client(self):
        self.start_tour(
            "/odoo/action-partner_segmentation.res_partner_segment_action",
            "partner_segmentation_overlap_tour",
            login="admin",
        )
        # the matrix the tour opened: A (3 in Tourville) and B (3 with an email) share 2
        lines = self.env["res.partner.segment.overlap.wizard.line"].search([])
        shared = {(line.segment_a_id.name, line.segment_b_id.name): line.shared_count for line in lines}
        self.assertEqual(shared[("Tour overlap A", "Tour overlap B")], 2)
        self.assertEqual(shared[("Tour overlap A", "Tour overlap A")], 3)

    def test_explanation_in_the_web_client(self):
        self.start_tour(f"/odoo/contacts/{self.shared[0].id}", "partner_segmentation_explain_tour", login="admin")
        # the dialog explained without saving anything
        self.assertFalse(self.env["res.partner.segment.explain.wizard"].search([]))
        self.assertIn(
            self.shared[0], self.env["res.partner.segment"].search([("name", "=", "Tour overlap A")]).partner_ids
        )

    def test_recompute_from_odoos_settings_saves_and_recomputes(self):
        company = self.env.ref("base.main_company")
        self.assertNotEqual(company.lifecycle_cycle_mode, "fixed")
        self.start_tour(
            "/odoo/settings#partner_segmentation", "partner_segmentation_settings_recompute_tour", login="admin"
        )
        company.invalidate_recordset()
        self.assertEqual((company.lifecycle_cycle_mode, company.lifecycle_cycle_days), ("fixed", 45))
        self.assertTrue(company.lifecycle_last_run, "recomputed with it")
