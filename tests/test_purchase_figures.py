import ast
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..engine.figures import FIGURES, LIVE_FIGURES, STORED_FIGURES
from .common import migration, sell
from .test_lifecycle import TODAY, LifecycleCase


@tagged("post_install", "-at_install")
class TestLivePurchaseFigures(LifecycleCase):
    """The behavioural figures of SPEC 4c: exact at the moment they are read or searched
    (today's date, today's orders), without a lifecycle recompute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = ["regular", "once", "never", "quote_only", "company", "child"]
        cls.p = dict(zip(names, cls.Partner.create([{"name": f"PF {n}"} for n in names]), strict=True))
        cls.p["company"].is_company = True
        cls.p["child"].parent_id = cls.p["company"]

    def setUp(self):
        super().setUp()
        p, c1 = self.p, self.c1
        for days_ago, amount in [(10, 1), (40, 2), (200, 4)]:  # 100 per unit
            self.order(p["regular"], days_ago, c1, amount=amount)
        self.order(p["once"], 100, c1, amount=5)
        self.order(p["quote_only"], 3, c1, state="draft")
        self.order(p["child"], 29, c1)  # counted on the commercial entity
        self.order(p["company"], 30, c1)
        self.order(p["never"], 1, self.c2)  # another company's order
        self.Live = self.Partner.with_company(self.c1)

    def figures(self, partner, *fnames):
        self.env.invalidate_all()
        record = partner.with_company(self.c1)
        return {fname: record[fname] for fname in fnames}

    def search(self, domain):
        return self.Live.search([("name", "like", "PF "), *domain])

    @freeze_time(TODAY)
    def test_figures_of_a_regular_customer(self):
        self.assertEqual(
            self.figures(
                self.p["regular"],
                "days_since_last_purchase",
                "days_since_first_purchase",
                "purchase_count_30d",
                "purchase_count_90d",
                "purchase_count_365d",
                "purchase_total_30d",
                "purchase_total_90d",
                "purchase_total_365d",
                "next_purchase_date",
            ),
            {
                "days_since_last_purchase": 10,
                "days_since_first_purchase": 200,
                "purchase_count_30d": 1,
                "purchase_count_90d": 2,
                "purchase_count_365d": 3,
                "purchase_total_30d": 100.0,
                "purchase_total_90d": 300.0,
                "purchase_total_365d": 700.0,
                # its own mean gap: (200 - 10) / 2 = 95 days after the last purchase
                "next_purchase_date": TODAY - timedelta(days=10) + timedelta(days=95),
            },
        )

    @freeze_time(TODAY)
    def test_one_purchase_expects_the_next_after_the_company_cycle(self):
        # company one's X is 30 days (fixed)
        self.assertEqual(
            self.figures(self.p["once"], "next_purchase_date", "days_since_last_purchase", "purchase_count_90d"),
            {
                "next_purchase_date": TODAY - timedelta(days=100) + timedelta(days=30),
                "days_since_last_purchase": 100,
                "purchase_count_90d": 0,
            },
        )

    @freeze_time(TODAY)
    def test_next_purchase_with_one_two_and_many_purchases(self):
        fnames = ("next_purchase_date", "days_to_next_purchase", "purchase_cycles_overdue")
        self.assertEqual(
            {key: tuple(self.figures(self.p[key], *fnames).values()) for key in ("once", "company", "regular")},
            {
                # one purchase 100 days ago: + the company's 30 days, 70 days (2.33 cycles) late
                "once": (TODAY - timedelta(days=70), -70, 2.33),
                # two (the child's 29 days ago, its own 30): a gap of 1 day, 28 days late
                "company": (TODAY - timedelta(days=28), -28, 28.0),
                # three: mean gap 95 days, due in 85 days (-0.89 cycle)
                "regular": (TODAY + timedelta(days=85), 85, -0.89),
            },
        )
        same_day = self.Partner.create({"name": "PF same day"})
        self.order(same_day, 4, self.c1)
        self.order(same_day, 4, self.c1)  # no gap between them: a cycle of one day, not zero
        self.assertEqual(tuple(self.figures(same_day, *fnames).values()), (TODAY - timedelta(days=3), -3, 3.0))
        due = self.search([("days_to_next_purchase", ">=", 0), ("days_to_next_purchase", "<=", 85)])
        self.assertEqual(due, self.p["regular"])
        overdue = self.search([("purchase_cycles_overdue", ">", 1)])
        self.assertEqual(overdue, self.p["once"] | self.p["company"] | self.p["child"] | same_day)
        templates = [self.env.ref(f"partner_segmentation.template_{key}") for key in ("due_to_reorder", "overdue")]
        self.assertEqual(
            [self.search(ast.literal_eval(t.domain)) for t in templates],
            [self.Partner, overdue],
        )

    @freeze_time(TODAY)
    def test_no_purchase_in_this_company_means_no_days_and_zero_counts(self):
        for key in ("never", "quote_only"):
            self.assertEqual(
                self.figures(self.p[key], "days_since_last_purchase", "purchase_count_365d", "next_purchase_date"),
                {"days_since_last_purchase": False, "purchase_count_365d": 0, "next_purchase_date": False},
                key,
            )
        self.assertEqual(self.p["never"].with_company(self.c2).days_since_last_purchase, 1)

    @freeze_time(TODAY)
    def test_last_30_days_include_today_and_not_the_thirtieth_day_back(self):
        self.assertEqual(
            self.figures(self.p["child"], "days_since_last_purchase", "purchase_count_30d", "purchase_count_90d"),
            {"days_since_last_purchase": 29, "purchase_count_30d": 1, "purchase_count_90d": 2},
        )
        self.assertEqual(
            self.search([("purchase_count_30d", ">", 0)]),
            self.p["regular"] | self.p["company"] | self.p["child"],
        )

    @freeze_time(TODAY)
    def test_search_as_plain_numbers(self):
        p = self.p
        self.assertEqual(self.search([("days_since_last_purchase", ">", 90)]), p["once"])
        self.assertEqual(
            self.search([("days_since_last_purchase", "<=", 30)]), p["regular"] | p["company"] | p["child"]
        )
        # without a purchase: not set, and it matches no number
        self.assertEqual(self.search([("days_since_last_purchase", "=", False)]), p["never"] | p["quote_only"])
        self.assertEqual(
            self.search([("purchase_count_365d", "=", 0)]),
            p["never"] | p["quote_only"],
            "a count without purchase is 0",
        )
        self.assertEqual(self.search([("purchase_total_90d", ">=", 300)]), p["regular"])
        self.assertEqual(
            self.search([("next_purchase_date", "<=", TODAY + timedelta(days=7))]),
            p["once"] | p["company"] | p["child"],
        )

    def test_today_orders_count_at_once_without_a_lifecycle_run(self):
        with freeze_time(TODAY):
            self.assertFalse(self.search([("days_since_last_purchase", "=", 0)]))
            self.order(self.p["never"], 0, self.c1, amount=2)
            self.env.flush_all()
            self.assertEqual(self.search([("days_since_last_purchase", "=", 0)]), self.p["never"])
            self.assertEqual(self.figures(self.p["never"], "purchase_total_30d")["purchase_total_30d"], 200.0)
            self.assertFalse(self.env["res.partner.lifecycle"].search([("partner_id", "=", self.p["never"].id)]))
        # days pass: the same orders, other figures, still without a run
        with freeze_time(TODAY + timedelta(days=31)):
            self.assertEqual(
                self.figures(self.p["never"], "days_since_last_purchase")["days_since_last_purchase"], 31
            )
            self.assertNotIn(self.p["never"], self.search([("purchase_count_30d", ">", 0)]))

    @freeze_time(TODAY)
    def test_segment_on_days_since_last_purchase(self):
        segment = self.env["res.partner.segment"].create(
            {
                "name": "Not bought for 90 days",
                "company_id": self.c1.id,
                "domain": "[('name', 'like', 'PF '), ('days_since_last_purchase', '>', 90)]",
            }
        )
        segment.action_recompute()
        self.assertEqual(segment.partner_ids, self.p["once"])
        self.order(self.p["once"], 0, self.c1)
        segment.action_recompute()
        self.assertFalse(segment.partner_ids, "a purchase today takes the customer out at the next computation")

    @freeze_time(TODAY)
    def test_several_live_conditions_read_the_orders_once(self):
        domain = [
            ("name", "like", "PF "),
            ("days_since_last_purchase", ">=", 10),
            ("purchase_count_365d", ">=", 2),
        ]
        merged = self.Live._merge_lifecycle_conditions(domain)
        self.assertEqual(len(merged), 2, merged)
        self.assertEqual(self.Live._search(merged).select().code.count("FROM sale_order so"), 1)
        self.assertEqual(self.Live.search(merged), self.p["regular"] | self.p["company"] | self.p["child"])
        self.assertEqual(self.Live.search(domain), self.Live.search(merged))

    @freeze_time(TODAY)
    def test_group_and_sort_partners_by_a_live_figure(self):
        groups = dict(self.Live._read_group([("name", "like", "PF ")], ["days_since_last_purchase"], ["__count"]))
        self.assertEqual(groups, {10: 1, 29: 2, 100: 1, False: 2})
        ordered = self.Live.search(
            [("name", "like", "PF "), ("purchase_count_365d", ">", 0)], order="days_since_last_purchase desc"
        )
        self.assertEqual(ordered[0], self.p["once"])

    @freeze_time(TODAY)
    def test_the_domain_editor_offers_them_as_numbers(self):
        described = self.Partner.fields_get(
            ["days_since_last_purchase", "purchase_total_90d", "next_purchase_date"]
        )
        self.assertEqual(described["days_since_last_purchase"]["type"], "integer")
        self.assertEqual(described["next_purchase_date"]["type"], "date")
        self.assertTrue(all(field["searchable"] for field in described.values()))

    @freeze_time(TODAY)
    def test_figures_are_for_sales_users_of_the_company(self):
        salesman = new_test_user(
            self.env,
            "pf_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.c1.id,
            company_ids=[self.c1.id],
        )
        as_salesman = self.Partner.with_user(salesman).with_company(self.c1)
        self.assertEqual(
            as_salesman.search([("name", "like", "PF "), ("days_since_last_purchase", ">", 90)]), self.p["once"]
        )
        other = new_test_user(
            self.env,
            "pf_other_company",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.c2.id,
            company_ids=[self.c2.id],
        )
        self.assertEqual(
            self.p["regular"].with_user(other).with_company(self.c2).days_since_last_purchase,
            False,
            "company two's user sees company two's figures only",
        )
        own_orders = new_test_user(
            self.env, "pf_own_orders", groups="sales_team.group_sale_salesman", company_id=self.c1.id
        )
        self.assertFalse(
            self.env["sale.order"].with_user(own_orders).search_count([]), "reads no colleague's order"
        )
        with self.assertRaises(AccessError, msg="so no figure adding them up"):
            self.Partner.with_user(own_orders).search([("purchase_total_365d", ">", 0)])
        with self.assertRaises(AccessError):
            self.p["regular"].with_user(own_orders).read(["purchase_total"])
        plain = new_test_user(self.env, "pf_plain", groups="base.group_user", company_id=self.c1.id)
        as_plain = self.Partner.with_user(plain)
        with self.assertRaises(AccessError):
            as_plain.search([("days_since_last_purchase", ">", 90)])
        with self.assertRaises(AccessError):
            as_plain.search([("name", "like", "PF ")], order="days_since_last_purchase")
        with self.assertRaises(AccessError):
            as_plain._read_group([], ["purchase_count_30d"], ["__count"])
        with self.assertRaises(AccessError):
            as_plain._merge_lifecycle_conditions(
                [("days_since_last_purchase", ">", 90), ("purchase_count_365d", ">", 1)]
            )
        portal = new_test_user(self.env, "pf_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.env["res.partner.purchase.figures"].with_user(portal).search([])


@tagged("post_install", "-at_install")
class TestOrdersDatedInTheCompanysTimeZone(LifecycleCase):
    """A purchase's day is the company's day, as "today" is (found by a correctness review:
    orders were cut to a date in UTC, so an order of the morning in Tokyo was bought the day
    before, and one of the evening in New York the day after, -1 days ago)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "TZ customer"})

    def at(self, utc_time, company):
        order = sell(self.env, self.customer, company, self.product, 1)
        order.date_order = datetime.fromisoformat(utc_time)
        return order

    def test_east_of_utc(self):
        self.c1.partner_id.tz = "Asia/Tokyo"
        self.at("2026-03-09 23:00:00", self.c1)  # 08:00 on 10 March in Tokyo
        self.at("2026-02-08 16:00:00", self.c1)  # 01:00 on 9 February: the 30th day back
        self.at("2026-02-08 14:00:00", self.c1)  # 23:00 on 8 February: the 31st
        live = self.customer.with_company(self.c1)
        with freeze_time("2026-03-10 12:00:00"):  # 21:00 on 10 March in Tokyo
            self.env.invalidate_all()
            self.assertEqual((live.days_since_last_purchase, live.purchase_count_30d), (0, 2))
            self.assertEqual(live.search([("id", "=", live.id), ("days_since_last_purchase", "=", 0)]), live)
            self.c1.action_recompute_lifecycle(full=True)
            self.env.invalidate_all()
            self.assertEqual(
                (live.last_purchase_date, live.first_purchase_date), (date(2026, 3, 10), date(2026, 2, 8))
            )

    def test_west_of_utc(self):
        self.c1.partner_id.tz = "America/New_York"
        self.at("2026-03-10 01:00:00", self.c1)  # 21:00 on 9 March in New York (EDT from 8 March)
        live = self.customer.with_company(self.c1).with_context(tz="America/New_York")  # read there too
        with freeze_time("2026-03-10 02:00:00"):  # 22:00 on 9 March in New York
            self.env.invalidate_all()
            self.assertEqual((live.days_since_last_purchase, live.days_to_next_purchase), (0, 30))

    def test_the_daily_run_dates_them_as_the_full_run(self):
        """The 12-month window's bound too: a purchase leaving it at the company's midnight
        is caught by the daily run, which then gives the full run's rows."""
        self.c1.partner_id.tz = "Asia/Tokyo"
        self.at("2025-03-10 16:00:00", self.c1)  # 01:00 on 11 March 2025 in Tokyo
        self.at("2026-01-05 03:00:00", self.c1)
        live = self.customer.with_company(self.c1)
        with freeze_time("2026-03-10 14:00:00"):  # 23:00 on 10 March in Tokyo: inside
            self.c1.action_recompute_lifecycle(full=True)
            self.env.invalidate_all()
            self.assertEqual(live.purchase_total_12m, 200)
        with freeze_time("2026-03-10 15:30:00"):  # 00:30 on 11 March in Tokyo: still inside
            self.c1.action_recompute_lifecycle()
            self.env.invalidate_all()
            self.assertEqual(live.purchase_total_12m, 200)
        with freeze_time("2026-03-11 15:30:00"):  # 00:30 on 12 March: it has left
            self.c1.action_recompute_lifecycle()
            self.env.invalidate_all()
            daily = live.purchase_total_12m
            self.c1.action_recompute_lifecycle(full=True)
            self.env.invalidate_all()
            self.assertEqual((daily, live.purchase_total_12m), (100, 100))

    def test_a_change_of_time_zone_makes_the_next_run_a_full_one(self):
        """Stored figures date orders in the time zone of the run that wrote them: a daily run
        after a change would keep the old days of the customers it does not redo (found by
        a review of this change)."""
        self.at("2025-03-10 02:00:00", self.c1)  # 22:00 on 9 March 2025 in New York

        def rows():
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """SELECT partner_id, first_purchase_date, last_purchase_date, purchase_total_12m
                         FROM res_partner_lifecycle WHERE company_id = %s ORDER BY partner_id""",
                    self.c1.id,
                )
            )
            return self.env.cr.fetchall()

        self.c1.partner_id.tz = "UTC"
        with freeze_time("2026-03-10 12:00:00"):
            self.c1.action_recompute_lifecycle(full=True)
        self.c1.partner_id.tz = "America/New_York"
        with freeze_time("2026-03-11 12:00:00"):
            self.c1.action_recompute_lifecycle()
            daily = rows()
            self.c1.action_recompute_lifecycle(full=True)
            self.assertEqual(daily, rows())
        self.assertEqual(daily[0][1:], (date(2025, 3, 9), date(2025, 3, 9), 0))

    def test_the_next_run_after_the_upgrade_is_a_full_one(self):
        self.recompute(self.c1)
        self.assertTrue(self.c1.lifecycle_last_date)
        script = migration("18.0.1.10.0")
        self.env.flush_all()
        script.migrate(self.env.cr, "18.0.1.9.0")
        self.env.invalidate_all()
        self.assertFalse(self.c1.lifecycle_last_date, "the next run dates every purchase again")


@tagged("post_install", "-at_install")
class TestOneTruthPerFigure(LifecycleCase):
    """Every figure of engine.figures is a field of res.partner and of its row model, and a
    column of its table: the table is the one place to add one."""

    def test_every_figure_is_a_field_and_a_column(self):
        for figure in FIGURES:
            field = self.Partner._fields[figure.name]
            self.assertEqual(field.string, figure.label)
            self.assertEqual(field.groups, "sales_team.group_sale_salesman_all_leads")
            self.assertTrue(field.search and not field.store, figure.name)
        for model, figures in (
            ("res.partner.lifecycle", STORED_FIGURES),
            ("res.partner.purchase.figures", LIVE_FIGURES),
        ):
            rows = self.env[model]
            self.env.cr.execute(SQL("SELECT * FROM %s r LIMIT 0", rows._table_sql))
            columns = {column.name for column in self.env.cr.description}
            for figure in figures:
                self.assertIn(figure.name, rows._fields)
                self.assertIn(figure.name, columns, f"{rows._name}.{figure.name}")
