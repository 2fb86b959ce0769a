from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..engine import rfm
from .test_lifecycle import TODAY, LifecycleCase

# The R x F grid of SPEC 4c, written out by hand: rows R 5..1, columns F 1..5.
GRID = {
    5: ["new_customer", "potential_loyalist", "potential_loyalist", "champions", "champions"],
    4: ["promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"],
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
    1: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
}


@tagged("post_install", "-at_install")
class TestRfm(LifecycleCase):
    """RFM scores (SPEC 4c) computed with the lifecycle, per company, on known data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = ["a", "b", "c", "d", "e", "f", "lead", "nothing"]
        cls.p = dict(zip(names, cls.Partner.create([{"name": f"RFM {n}"} for n in names]), strict=True))
        cls.sales_user = new_test_user(
            cls.env,
            login="rfm_sales_c1",
            company_id=cls.c1.id,
            company_ids=cls.c1.ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "partner_segmentation.group_segment_manager",
        )

    def setUp(self):
        super().setUp()
        # Five customers of company one, 100 per unit: recency and frequency grow from a to e,
        # monetary does not (a bought once, for 600).
        days = {"a": [50], "b": [40, 300], "c": [30, 200, 300], "d": [20, 100, 200, 300]}
        days["e"] = [10, 50, 100, 200, 300]
        for key, ago in days.items():
            for day in ago:
                self.order(self.p[key], day, self.c1, amount=6 if key == "a" else 1)
        self.opportunity(self.p["lead"], self.c1)

    def scores(self, keys, company=None):
        self.env.invalidate_all()
        fnames = [*(s.name for s in rfm.SCORES), rfm.SEGMENT_FIELD]
        return {
            key: tuple(self.p[key].with_company(company or self.c1)[fname] for fname in fnames) for key in keys
        }

    def test_five_customers_take_one_score_each(self):
        self.recompute(self.c1)
        self.assertEqual(
            self.scores("abcde"),
            {
                # R, F, M, named segment of (R, F)
                "a": (1, 1, 5, "hibernating"),
                "b": (2, 2, 1, "hibernating"),
                "c": (3, 3, 2, "need_attention"),
                "d": (4, 4, 3, "loyal"),
                "e": (5, 5, 4, "champions"),
            },
        )

    def test_ties_share_a_score(self):
        for day in (30, 200, 300):  # f bought as c did: six customers, two of them equal
            self.order(self.p["f"], day, self.c1)
        self.recompute(self.c1)
        # score = 1 + floor(5 x (customers strictly worse) / 6)
        self.assertEqual(
            self.scores("abcfde"),
            {
                "a": (1, 1, 5, "hibernating"),  # worse: R 0, F 0, M 5
                "b": (1, 1, 1, "hibernating"),  # R 1, F 1, M 0
                "c": (2, 2, 1, "hibernating"),  # R 2, F 2, M 1 (tied with f)
                "f": (2, 2, 1, "hibernating"),
                "d": (4, 4, 3, "loyal"),  # R 4, F 4, M 3
                "e": (5, 5, 4, "champions"),  # R 5, F 5, M 4
            },
        )

    def test_a_lone_customer_scores_one(self):
        self.order(self.p["f"], 5, self.c2, amount=50)
        self.recompute(self.c2)
        self.assertEqual(self.scores("f", self.c2), {"f": (1, 1, 1, "hibernating")})
        self.assertEqual(self.scores("f")["f"], (False, False, False, False), "company one has not run")

    def test_the_grid_cell_by_cell(self):
        self.env.cr.execute(
            SQL(
                "SELECT r, f, %s FROM generate_series(1, 5) r, generate_series(1, 5) f",
                rfm.segment_case(SQL("r"), SQL("f")),
            )
        )
        cells = {(r, f): segment for r, f, segment in self.env.cr.fetchall()}
        self.assertEqual(cells, {(r, f): GRID[r][f - 1] for r in range(1, 6) for f in range(1, 6)})
        self.assertEqual(set(cells.values()), set(dict(rfm.SEGMENT_SELECTION)), "every named segment has cells")

    def test_no_score_without_a_purchase(self):
        self.recompute(self.c1)
        self.assertEqual(self.p["lead"].with_company(self.c1).lifecycle_stage, "lead")
        self.assertEqual(self.scores(["lead", "nothing"])["lead"], (False, False, False, False))
        found = self.Partner.with_company(self.c1).search([("name", "like", "RFM "), ("rfm_segment", "=", False)])
        self.assertEqual(found, self.p["f"] | self.p["lead"] | self.p["nothing"])
        # a score is searched as it reads: the lead's row holds none
        scored = self.Partner.concat(*(self.p[key] for key in "abcde"))
        for score in rfm.SCORES:
            for operator, expected in (("=", found), ("!=", scored)):
                domain = [("name", "like", "RFM "), (score.name, operator, False)]
                self.assertEqual(self.Partner.with_company(self.c1).search(domain), expected, domain)
        self.assertEqual(
            self.Partner.with_company(self.c1).search([("name", "like", "RFM "), ("rfm_recency", ">=", 4)]),
            self.p["d"] | self.p["e"],
        )

    def test_a_company_without_purchases_has_no_rfm_and_says_so(self):
        company = self.env["res.company"].create({"name": "RFM no sales", "lifecycle_cycle_mode": "fixed"})
        self.env.user.company_ids |= company
        self.opportunity(self.p["f"], company)
        self.recompute(company)
        self.assertEqual(self.p["f"].with_company(company).lifecycle_stage, "lead")
        self.assertFalse(self.env["res.partner.rfm.snapshot"].search([("company_id", "=", company.id)]))
        help_text = self.env.ref("partner_segmentation.res_partner_lifecycle_action_rfm").help
        self.assertIn("No customer with a purchase yet", help_text)

    def test_an_order_without_amount_counts_as_zero(self):
        """An order written in SQL may have no untaxed amount: its customer still has a total
        and a monetary score, like every customer who bought."""
        order = self.order(self.p["f"], 5, self.c1)
        order.flush_recordset()
        self.env.cr.execute("UPDATE sale_order SET amount_untaxed = NULL WHERE id = %s", [order.id])
        self.recompute(self.c1)
        self.assertEqual(self.p["f"].with_company(self.c1).purchase_total, 0)
        self.assertEqual(self.scores("f")["f"][2], 1, "the smallest total: the lowest monetary score")
        self.env.cr.execute(
            "SELECT count(*) FROM res_partner_lifecycle WHERE company_id = %s AND purchase_count > 0"
            " AND (rfm_monetary IS NULL OR rfm_recency IS NULL OR rfm_frequency IS NULL)",
            [self.c1.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "every customer who bought is scored")

    def test_kept_thresholds_read_the_same_whatever_the_scale(self):
        """The thresholds a run keeps for the next daily run: equal amounts are the same text,
        or that run would take them for moved ones and look at more rows again."""
        for amount in ("48.35", "48.350000", "100.000"):
            limits = rfm.current_thresholds(
                self.env.cr,
                SQL(
                    "SELECT %s::numeric AS purchase_total, 1 AS purchase_count, %s::date AS last_purchase_date",
                    amount,
                    TODAY,
                ),
            )
            self.assertEqual(limits["rfm_monetary"], [amount.rstrip("0").rstrip(".")] * 4)
            self.assertEqual(limits["rfm_frequency"], ["1"] * 4)
            self.assertEqual(limits["rfm_recency"], [str(TODAY)] * 4)

    def test_a_total_a_float_cannot_hold_is_scored_exactly(self):
        """An amount in company currency through a rate has more digits than a float holds
        (1 at a rate of 3 is 0.333..., rounded to 0.3333333333333333, below it), or than
        Python's decimals keep by default (28: 1,234,560 USD in IDR at the rate Odoo stores
        as a float's repr): a lone customer is still not above its own total, in a full run
        and in a daily run."""
        for amount, rate in ((1, 3), (1234560, 6.126812770728539e-05)):
            order = self.order(self.p["f"], 5, self.c2)
            order.flush_recordset()
            self.env.cr.execute(
                "UPDATE sale_order SET amount_untaxed = %s, currency_rate = %s WHERE id = %s",
                [amount, rate, order.id],
            )
            self.recompute(self.c2, TODAY, full=True)
            self.assertEqual(self.scores("f", self.c2)["f"][:3], (1, 1, 1), f"{amount} at {rate}: a lone customer")
            self.order(self.p["a"], 0, self.c1)  # another company's order: a daily run for this one
            self.recompute(self.c2, TODAY + timedelta(days=1))
            self.assertEqual(self.scores("f", self.c2)["f"][:3], (1, 1, 1))
            order._action_cancel()  # the next amount is alone again

    def test_scores_follow_new_orders_at_the_next_run(self):
        self.recompute(self.c1)
        for day in (1, 2, 3, 4, 5):  # a now buys most often and most recently
            self.order(self.p["a"], day, self.c1)
        self.recompute(self.c1)
        self.assertEqual(self.scores("ae"), {"a": (5, 5, 5, "champions"), "e": (4, 4, 4, "loyal")})

    def test_trend_counts_customers_and_purchases_per_segment(self):
        self.recompute(self.c1)
        snapshots = self.env["res.partner.rfm.snapshot"].search(
            [("company_id", "=", self.c1.id), ("date", "=", TODAY)]
        )
        self.assertEqual(len(snapshots), len(rfm.SEGMENTS), "every segment, 0 included")
        self.assertEqual(
            {s.rfm_segment: (s.partner_count, s.purchase_total) for s in snapshots if s.partner_count},
            {
                "hibernating": (2, 800.0),
                "need_attention": (1, 300.0),
                "loyal": (1, 400.0),
                "champions": (1, 500.0),
            },
        )
        # grouped (graph, legend, pivot) best segment first, as SPEC 4c lists them
        groups = self.env["res.partner.rfm.snapshot"]._read_group(
            [("company_id", "=", self.c1.id), ("partner_count", ">", 0)],
            ["date:day", "rfm_segment"],
            ["partner_count:sum"],
        )
        self.assertEqual(
            [segment for _day, segment, _count in groups], ["champions", "loyal", "need_attention", "hibernating"]
        )
        partners = self.Partner.with_company(self.c1)._read_group([("rfm_segment", "!=", False)], ["rfm_segment"])
        self.assertEqual(
            [segment for (segment,) in partners], ["champions", "loyal", "need_attention", "hibernating"]
        )
        self.recompute(self.c1)  # a rerun of the day replaces it
        self.assertEqual(
            self.env["res.partner.rfm.snapshot"].search_count(
                [("company_id", "=", self.c1.id), ("date", "=", TODAY)]
            ),
            len(rfm.SEGMENTS),
        )

    def test_grid_as_a_sales_user_of_the_company(self):
        self.recompute(self.c1 | self.c2)
        self.order(self.p["f"], 5, self.c2)
        self.recompute(self.c2)
        rows = self.env["res.partner.lifecycle"].with_user(self.sales_user)
        cells = rows._read_group(
            [("rfm_segment", "!=", False)], ["rfm_recency", "rfm_frequency"], ["__count", "purchase_total:sum"]
        )
        self.assertEqual(
            sorted(cells),
            [(1, 1, 1, 600.0), (2, 2, 1, 200.0), (3, 3, 1, 300.0), (4, 4, 1, 400.0), (5, 5, 1, 500.0)],
            "company one's five customers, not company two's",
        )
        trend = self.env["res.partner.rfm.snapshot"].with_user(self.sales_user).search([])
        self.assertEqual(trend.company_id, self.c1)

    def test_scores_are_for_sales_users_segments_for_marketers(self):
        self.recompute(self.c1)
        marketer = new_test_user(
            self.env, "rfm_marketer", groups="partner_segmentation.group_segment_user", company_id=self.c1.id
        )
        as_marketer = self.p["e"].with_user(marketer).with_company(self.c1)
        self.assertEqual(as_marketer.rfm_segment, "champions")
        with self.assertRaises(AccessError):
            as_marketer.read(["rfm_monetary"])
        with self.assertRaises(AccessError):
            self.Partner.with_user(marketer).search([("rfm_recency", "=", 5)])
        portal = new_test_user(self.env, "rfm_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["res.partner.rfm.snapshot"].with_user(portal).search([])

    def test_each_named_segment_is_a_ready_made_segment(self):
        self.recompute(self.c1)
        for segment in rfm.SEGMENTS:
            template = self.env.ref(f"partner_segmentation.template_rfm_{segment.key}")
            self.assertEqual(template.domain, f"[('rfm_segment', '=', '{segment.key}')]")
        template = self.env.ref("partner_segmentation.template_rfm_champions").with_user(self.sales_user)
        action = template.with_company(self.c1).action_use()
        made = self.env["res.partner.segment"].browse(action["res_id"])
        self.assertEqual(made.company_id, self.c1)
        made.with_user(self.sales_user).action_recompute()
        self.assertEqual(made.partner_ids, self.p["e"])

    @freeze_time(TODAY)
    def test_segments_on_rfm_follow_a_lifecycle_recompute(self):
        segment = (
            self.env["res.partner.segment"]
            .with_company(self.c1)
            .create(
                {
                    "name": "Hibernating",
                    "domain": "[('rfm_segment', '=', 'hibernating')]",
                    "company_id": self.c1.id,
                }
            )
        )
        self.assertFalse(segment.partner_ids)
        self.recompute(self.c1)
        self.assertTrue(segment.recompute_requested_at, "the recompute asks for the segment")
        self.env["res.partner.segment"]._cron_recompute()
        self.assertEqual(segment.partner_ids, self.p["a"] | self.p["b"])
