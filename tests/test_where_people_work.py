from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_lifecycle import LifecycleCase


@tagged("post_install", "-at_install")
class TestStagesAndSegmentsInSalesAndCrm(LifecycleCase):
    """Sales Analysis, quotations/orders and the pipeline filtered by the customer's
    segments and grouped by its lifecycle stage in the record's company (SPEC 5), as a sales
    user of one company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = ["regular", "newbie", "prospect", "firm", "firm_contact"]
        cls.p = dict(zip(names, cls.Partner.create([{"name": f"WPW {n}"} for n in names]), strict=True))
        cls.p["firm"].is_company = True
        cls.p["firm_contact"].parent_id = cls.p["firm"]
        groups = (
            "base.group_user,sales_team.group_sale_salesman_all_leads,partner_segmentation.group_segment_manager"
        )
        cls.seller = new_test_user(
            cls.env, login="wpw_seller", company_id=cls.c1.id, company_ids=cls.c1.ids, groups=groups
        )
        cls.seller_c2 = new_test_user(
            cls.env, login="wpw_seller_c2", company_id=cls.c2.id, company_ids=cls.c2.ids, groups=groups
        )

    def setUp(self):
        super().setUp()
        p, c1 = self.p, self.c1
        self.order(p["regular"], 5, c1, amount=2)
        self.order(p["regular"], 20, c1, amount=1)
        self.order(p["newbie"], 3, c1, amount=4)
        self.order(p["firm_contact"], 400, c1, amount=3)  # the firm's purchase: one-time
        self.order(p["regular"], 2, self.c2, amount=5)  # company two: its only purchase, new there
        self.leads = {
            "prospect": self.opportunity(p["prospect"], c1),
            "regular": self.opportunity(p["regular"], c1),
            "firm_contact": self.opportunity(p["firm_contact"], c1),
            "regular_c2": self.opportunity(p["regular"], self.c2),
        }
        self.recompute(c1 | self.c2)
        self.vip = self.env["res.partner.segment"].create(
            {
                "name": "WPW VIP",
                "segment_type": "static",
                "company_id": c1.id,
                "partner_ids": [(6, 0, (p["regular"] | p["firm"]).ids)],
            }
        )
        self.env.invalidate_all()

    def report(self, user=None):
        return self.env["sale.report"].with_user(user or self.seller).with_context(allowed_company_ids=self.c1.ids)

    def test_sales_analysis_grouped_by_lifecycle_stage(self):
        groups = self.report()._read_group(
            [("partner_id.name", "like", "WPW ")], ["partner_lifecycle_stage"], ["price_subtotal:sum", "__count"]
        )
        # funnel order; 100 per unit, amounts of company one's orders only
        self.assertEqual(groups, [("new", 400.0, 1), ("active", 300.0, 2), ("onetime", 300.0, 1)])
        lines = self.report().search([("partner_lifecycle_stage", "in", ["new", "onetime"])])
        self.assertEqual(lines.partner_id, self.p["newbie"] | self.p["firm_contact"])
        self.assertEqual(
            {line.partner_id: line.partner_lifecycle_stage for line in lines},
            {self.p["newbie"]: "new", self.p["firm_contact"]: "onetime"},
        )

    def test_sales_analysis_of_a_customer_segment(self):
        by_segment = self.report().search([("partner_segment_ids", "in", self.vip.ids)])
        self.assertEqual(
            by_segment.partner_id, self.p["regular"] | self.p["firm_contact"], "a member firm's contacts count"
        )
        self.assertEqual(self.report().search([("partner_segment_ids", "ilike", "WPW VIP")]), by_segment)
        others = self.report().search(
            [("partner_id.name", "like", "WPW "), ("partner_segment_ids", "not in", self.vip.ids)]
        )
        self.assertEqual(others.partner_id, self.p["newbie"])

    def test_pipeline_by_stage_of_customer(self):
        leads = self.env["crm.lead"].with_user(self.seller).with_context(allowed_company_ids=self.c1.ids)
        groups = leads._read_group([("name", "like", "Opp WPW")], ["partner_lifecycle_stage"], ["__count"])
        self.assertEqual(groups, [("lead", 1), ("active", 1), ("onetime", 1)])
        self.assertEqual(leads.search([("partner_lifecycle_stage", "=", "active")]), self.leads["regular"])
        self.assertEqual(self.leads["regular"].with_user(self.seller).partner_lifecycle_stage, "active")
        self.assertEqual(
            self.leads["regular_c2"].with_user(self.seller_c2).partner_lifecycle_stage,
            "new",
            "the stage in the lead's company",
        )
        self.assertEqual(
            leads.search([("name", "like", "Opp WPW"), ("partner_lifecycle_stage", "!=", "active")]),
            self.leads["prospect"] | self.leads["firm_contact"],
        )
        self.assertEqual(
            leads.search([("partner_segment_ids", "in", self.vip.ids)]),
            self.leads["regular"] | self.leads["firm_contact"],
        )
        no_stage = leads.create({"name": "Opp WPW nobody", "type": "opportunity"})
        self.assertEqual(
            leads.search([("name", "like", "Opp WPW"), ("partner_lifecycle_stage", "=", False)]), no_stage
        )

    def test_orders_by_stage_and_segment(self):
        orders = self.env["sale.order"].with_user(self.seller).with_context(allowed_company_ids=self.c1.ids)
        groups = orders._read_group(
            [("partner_id.name", "like", "WPW ")], ["partner_lifecycle_stage"], ["__count"]
        )
        self.assertEqual(groups, [("new", 1), ("active", 2), ("onetime", 1)])
        self.assertEqual(
            orders.search([("partner_segment_ids", "in", self.vip.ids)]).partner_id,
            self.p["regular"] | self.p["firm_contact"],
        )

    def test_another_company_sees_its_own_stages_only(self):
        groups = (
            self.report(self.seller_c2)
            .with_context(allowed_company_ids=self.c2.ids)
            ._read_group(
                [("partner_id.name", "like", "WPW ")], ["partner_lifecycle_stage"], ["price_subtotal:sum"]
            )
        )
        self.assertEqual(groups, [("new", 500.0)])
        leads = self.env["crm.lead"].with_user(self.seller_c2).with_context(allowed_company_ids=self.c2.ids)
        self.assertEqual(leads.search([("partner_lifecycle_stage", "!=", False)]), self.leads["regular_c2"])

    def test_segment_filter_needs_the_segmentation_group(self):
        plain_seller = new_test_user(
            self.env,
            login="wpw_plain_seller",
            company_id=self.c1.id,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
        )
        self.assertEqual(
            self.report(plain_seller)._read_group(
                [("partner_id", "=", self.p["regular"].id)], ["partner_lifecycle_stage"], ["__count"]
            ),
            [("active", 2)],
            "a seller groups by the stage",
        )
        with self.assertRaises(AccessError):
            self.report(plain_seller).search([("partner_segment_ids", "in", self.vip.ids)])

    def test_segment_performance_per_month(self):
        self.vip.write({"partner_ids": [(4, self.p["firm_contact"].id)]})  # and its firm: counted once
        rows = self.env["res.partner.segment.performance"].with_user(self.seller)
        cells = rows._read_group(
            [("segment_id", "=", self.vip.id)],
            ["segment_id", "date:month"],
            ["amount_untaxed:sum", "order_count:sum"],
        )
        by_month = {month.strftime("%Y-%m"): (amount, count) for _segment, month, amount, count in cells}
        # company one's orders (TODAY is 2026-06-30): 5 and 20 days ago, and the firm's 400 days ago
        self.assertEqual(by_month, {"2026-06": (300.0, 2), "2025-05": (300.0, 1)})
        self.assertEqual(sum(count for _amount, count in by_month.values()), 3)

    def test_segment_performance_dates_orders_in_the_company_time_zone(self):
        """An order of the morning of 1 June in Tokyo is June's there, not May's (UTC)."""
        self.c1.partner_id.tz = "Asia/Tokyo"
        order = self.order(self.p["regular"], 0, self.c1, amount=7)
        order.date_order = "2026-05-31 20:00:00"  # 05:00 on 1 June in Tokyo
        self.env.flush_all()
        row = self.env["res.partner.segment.performance"].search(
            [("segment_id", "=", self.vip.id), ("order_id", "=", order.id)]
        )
        self.assertEqual(str(row.date), "2026-06-01")
        self.c1.partner_id.tz = "America/New_York"
        self.env.flush_all()
        row.invalidate_recordset()
        self.assertEqual(str(row.date), "2026-05-31", "16:00 on 31 May in New York")

    def test_segment_performance_only_sums_readable_orders(self):
        own_orders = new_test_user(
            self.env,
            login="wpw_own_orders",
            company_id=self.c1.id,
            groups="base.group_user,sales_team.group_sale_salesman,partner_segmentation.group_segment_user",
        )
        self.env["sale.order"].search([("partner_id", "=", self.p["newbie"].id)]).user_id = own_orders
        newbies = self.env["res.partner.segment"].create(
            {
                "name": "WPW all",
                "segment_type": "static",
                "company_id": self.c1.id,
                "partner_ids": [(6, 0, (self.p["newbie"] | self.p["regular"]).ids)],
            }
        )
        rows = self.env["res.partner.segment.performance"].with_user(own_orders)
        self.assertEqual(
            rows._read_group([("segment_id", "=", newbies.id)], [], ["amount_untaxed:sum", "order_count:sum"]),
            [(400.0, 1)],
            "the seller's own order, not the colleague's",
        )
        hidden = self.env["res.partner.segment.performance"].search(
            [("segment_id", "=", newbies.id)]
        ) - rows.search([])
        self.assertTrue(hidden, "the colleague's order is a row")
        self.assertFalse(hidden.with_user(own_orders).exists(), "whose id does not tell the seller it exists")
        self.assertFalse(hidden.with_user(own_orders).has_access("read"))
        self.assertFalse(rows.browse(max(hidden.ids) + 7).has_access("read"), "as a row that does not exist")
        marketer = new_test_user(
            self.env, login="wpw_marketer", company_id=self.c1.id, groups="partner_segmentation.group_segment_user"
        )
        self.assertFalse(self.env["res.partner.segment.performance"].with_user(marketer).search([]))
