from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSegmentDemo(TransactionCase):
    def test_demo_generator_builds_companies_orders_and_segments(self):
        self.env["partner.segmentation.demo"]._generate(partners_per_company=30)
        second = self.env["res.company"].search([("name", "=", "Segmentation Demo Co")])
        self.assertTrue(second)
        orders = self.env["sale.order"].search([("partner_id.name", "like", "customer 0")])
        self.assertEqual(set(orders.mapped("company_id")), {self.env.ref("base.main_company"), second})
        self.assertIn("sale", orders.mapped("state"))
        self.assertIn("cancel", orders.mapped("state"))
        self.assertGreater(len(set(orders.mapped("date_order"))), 20, "spread over time")
        segments = self.env["res.partner.segment"].search([("name", "=", "VIP tag")])
        self.assertTrue(segments.last_computed_at)
        self.assertEqual(
            segments.member_count, self.env["res.partner"].search_count([("category_id.name", "=", "VIP")])
        )
        static = self.env["res.partner.segment"].search([("name", "=", "Trade show 2026 visitors")])
        self.assertEqual(static.member_count, 25)
        # a first look shows stages: the lifecycle of both companies is computed
        staged = (
            self.env["res.partner"]
            .with_company(second)
            .search_count([("name", "like", "customer 0"), ("lifecycle_stage", "!=", False)])
        )
        self.assertGreater(staged, 0)
        self.assertTrue(second.lifecycle_last_run)

    def test_every_demo_and_ready_made_segment_rolls_forward_and_has_members(self):
        """Demo and ready-made conditions count days from today (no calendar dates the
        domain editor cannot show), and every demo segment, like the README's examples,
        finds members in the demo data."""
        self.env["partner.segmentation.demo"]._generate(partners_per_company=30)
        Segment = self.env["res.partner.segment"].with_context(active_test=False)
        templates = self.env["res.partner.segment.template"].search([])
        for segment in [*Segment.search([("segment_type", "=", "dynamic")]), *templates]:
            self.assertNotIn("context_today", segment.domain, segment.name)
            self.assertNotIn("relativedelta", segment.domain, segment.name)
        main = self.env.ref("base.main_company")
        for name in (
            "Bought last year, not in the last 12 months",
            "Sleeping clients (no order for 6 months)",
            "Customers in Minsk",
            "VIP tag",
        ):
            self.assertGreater(Segment.search([("name", "=", name), ("active", "=", True)]).member_count, 0, name)
        Partner = self.env["res.partner"].with_company(main)
        for readme_example in (
            [("lifecycle_stage", "in", ["churn", "dormant"])],
            [("days_since_last_purchase", ">", 90)],
            [("city", "=", "Minsk"), ("purchase_count_365d", ">", 0)],
        ):
            self.assertTrue(Partner.search_count(readme_example), readme_example)

    def test_a_second_install_makes_the_segments_but_not_the_data_again(self):
        """Uninstalling keeps the generated partners and orders (they have no xml ids) and
        drops the segments: installing again makes only the segments."""
        Demo = self.env["partner.segmentation.demo"]
        Demo._generate(partners_per_company=30)
        counts = [self.env[model].search_count([]) for model in ("res.partner", "sale.order")]
        self.env["res.partner.segment"].with_context(active_test=False).search([]).unlink()
        Demo._generate(partners_per_company=30)
        self.assertEqual([self.env[model].search_count([]) for model in ("res.partner", "sale.order")], counts)
        self.assertEqual(self.env["res.partner.segment"].search_count([("name", "=", "VIP tag")]), 1)
