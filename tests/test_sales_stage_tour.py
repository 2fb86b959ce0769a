from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSalesAnalysisByStageTour(HttpCase):
    """Sales Analysis grouped by lifecycle stage and filtered by segment, in Chromium, as a
    sales manager who is not an administrator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="tour_sales_manager",
            password="tour_sales_manager",
            groups="base.group_user,sales_team.group_sale_manager,partner_segmentation.group_segment_user",
        )
        product = cls.env["product.product"].create({"name": "Tour product", "list_price": 50})
        regular, newbie = cls.env["res.partner"].create([{"name": "Tour regular"}, {"name": "Tour newbie"}])
        now = fields.Datetime.now()
        for partner, days_ago in ((regular, 1), (regular, 3), (newbie, 2)):
            order = cls.env["sale.order"].create(
                {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id})]}
            )
            order.action_confirm()
            order.date_order = now - timedelta(days=days_ago)
        cls.env.company.lifecycle_cycle_mode = "fixed"
        cls.env.company.action_recompute_lifecycle()
        cls.env["res.partner.segment"].create(
            {"name": "Tour VIP", "segment_type": "static", "partner_ids": [(6, 0, regular.ids)]}
        )

    def test_sales_analysis_by_lifecycle_stage(self):
        self.assertEqual(self.env["res.partner"].search([("name", "=", "Tour regular")]).lifecycle_stage, "active")
        self.start_tour(
            "/odoo/action-sale.action_order_report_all",
            "partner_segmentation_sales_stage_tour",
            login="tour_sales_manager",
        )

    def test_customers_by_stage_as_a_chart_and_a_pivot(self):
        self.start_tour(
            "/odoo/action-partner_segmentation.res_partner_lifecycle_action",
            "partner_segmentation_customers_by_stage_tour",
            login="tour_sales_manager",
        )
