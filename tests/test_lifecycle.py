from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import DivisionByZero

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..engine import batch, lifecycle
from ..models import res_company
from ..models.res_company import LIFECYCLE_LOCK, LifecycleRunning
from .common import sell

TODAY = date(2026, 6, 30)


class LifecycleCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.product = cls.env["product.product"].create({"name": "Cycle product", "list_price": 100})
        cls.c1 = cls.env["res.company"].create(
            {"name": "Lifecycle One", "lifecycle_cycle_mode": "fixed", "lifecycle_cycle_days": 30}
        )
        cls.c2 = cls.env["res.company"].create(
            {"name": "Lifecycle Two", "lifecycle_cycle_mode": "fixed", "lifecycle_cycle_days": 365}
        )
        cls.env.user.company_ids |= cls.c1 | cls.c2

    def order(self, partner, days_ago, company, state="sale", amount=1, created_days_before=0):
        order = sell(self.env, partner, company, self.product, amount, confirm=state == "sale")
        if state == "cancel":
            order._action_cancel()
        when = datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()) + timedelta(hours=12)
        order.date_order = when
        if created_days_before:
            order.flush_recordset()
            self.env.cr.execute(
                "UPDATE sale_order SET create_date = %s WHERE id = %s",
                [when - timedelta(days=created_days_before), order.id],
            )
        return order

    def opportunity(self, partner, company, lost=False):
        lead = self.env["crm.lead"].create(
            {
                "name": f"Opp {partner.name}",
                "partner_id": partner.id,
                "type": "opportunity",
                "company_id": company.id,
            }
        )
        if lost:
            lead.action_archive()
        return lead

    def recompute(self, companies, day=TODAY, full=False):
        with freeze_time(day):
            companies.action_recompute_lifecycle(full=full)

    def stage(self, partner, company):
        self.env.invalidate_all()
        return partner.with_company(company).lifecycle_stage


@tagged("post_install", "-at_install")
class TestLifecycleStages(LifecycleCase):
    """X = 30 days (fixed) in company one: every row of the rule table and its boundaries."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = [
            "lead_opp",
            "lead_quote",
            "lost_opp",
            "lost_quote",
            "nothing",
            "new_at_x",
            "onetime",
            "active_at_x",
            "active_churn",
            "active_churn_at_2x",
            "churn",
            "churn_at_4x",
            "dormant",
            "company",
            "child",
            "won_opp",
        ]
        cls.p = dict(zip(names, cls.Partner.create([{"name": f"LC {n}"} for n in names]), strict=True))
        cls.p["company"].is_company = True
        cls.p["child"].parent_id = cls.p["company"]
        cls.won_stage = cls.env["crm.stage"].create({"name": "LC Won", "is_won": True})

    def setUp(self):
        super().setUp()
        p, c1 = self.p, self.c1
        self.opportunity(p["lead_opp"], c1)
        self.order(p["lead_quote"], 5, c1, state="draft")
        self.opportunity(p["lost_opp"], c1, lost=True)
        self.order(p["lost_quote"], 50, c1, state="cancel")
        self.order(p["new_at_x"], 30, c1)
        self.order(p["onetime"], 31, c1)
        for key, last in [
            ("active_at_x", 30),
            ("active_churn", 31),
            ("active_churn_at_2x", 60),
            ("churn", 61),
            ("churn_at_4x", 120),
            ("dormant", 121),
        ]:
            self.order(p[key], last + 200, c1)
            self.order(p[key], last, c1)
        self.order(p["child"], 10, c1, amount=3)
        self.order(p["child"], 100, c1, amount=1)
        self.opportunity(p["won_opp"], c1).stage_id = self.won_stage

    def test_every_row_of_the_table(self):
        self.recompute(self.c1)
        expected = {
            "lead_opp": "lead",
            "lead_quote": "lead",
            "lost_opp": "lost",
            "lost_quote": "lost",
            "nothing": False,
            "new_at_x": "new",
            "onetime": "onetime",
            "active_at_x": "active",
            "active_churn": "active_churn",
            "active_churn_at_2x": "active_churn",
            "churn": "churn",
            "churn_at_4x": "churn",
            "dormant": "dormant",
            "company": "active",
            "child": "active",
            "won_opp": False,
        }
        got = {key: self.stage(partner, self.c1) for key, partner in self.p.items()}
        self.assertEqual(got, expected)

    def test_open_interest_wins_over_lost_interest(self):
        self.opportunity(self.p["lost_opp"], self.c1)
        self.recompute(self.c1)
        self.assertEqual(self.stage(self.p["lost_opp"], self.c1), "lead")

    def test_child_contacts_share_the_commercial_entity(self):
        self.recompute(self.c1)
        company = self.p["company"].with_company(self.c1)
        child = self.p["child"].with_company(self.c1)
        self.assertEqual(company.purchase_count, 2)
        self.assertEqual(child.purchase_count, 2)
        self.assertEqual(child.last_purchase_date, TODAY - timedelta(days=10))
        self.assertEqual(child.first_purchase_date, TODAY - timedelta(days=100))
        self.assertEqual(company.purchase_total, 400.0)
        self.assertEqual(company.purchase_average, 200.0)
        rows = self.env["res.partner.lifecycle"].search([("partner_id", "=", self.p["child"].id)])
        self.assertFalse(rows, "stored once, on the commercial entity")

    def test_stages_are_searchable_and_usable_in_segments(self):
        self.recompute(self.c1)
        Partner = self.Partner.with_company(self.c1)
        lc = [("name", "like", "LC ")]
        self.assertEqual(
            Partner.search(lc + [("lifecycle_stage", "in", ["churn", "dormant"])]),
            self.p["churn"] | self.p["churn_at_4x"] | self.p["dormant"],
        )
        self.assertIn(self.p["nothing"], Partner.search(lc + [("lifecycle_stage", "=", False)]))
        self.assertNotIn(self.p["new_at_x"], Partner.search(lc + [("lifecycle_stage", "!=", "new")]))
        self.assertIn(self.p["nothing"], Partner.search(lc + [("purchase_count", "=", 0)]))
        self.assertEqual(
            Partner.search(
                lc + [("purchase_count", ">=", 2), ("last_purchase_date", ">=", TODAY - timedelta(days=30))]
            ),
            self.p["active_at_x"] | self.p["company"] | self.p["child"],
        )
        segment = self.env["res.partner.segment"].create(
            {
                "name": "Win back",
                "company_id": self.c1.id,
                "domain": "[('lifecycle_stage', 'in', ['churn', 'dormant']), ('name', 'like', 'LC ')]",
            }
        )
        segment.action_recompute()
        self.assertEqual(segment.partner_ids, self.p["churn"] | self.p["churn_at_4x"] | self.p["dormant"])

    def test_segment_reads_the_lifecycle_table_once_for_several_conditions(self):
        self.recompute(self.c1)
        since = (TODAY - timedelta(days=30)).isoformat()
        domain = f"[('name', 'like', 'LC '), ('purchase_count', '>=', 2), ('last_purchase_date', '>=', '{since}')]"
        segment = self.env["res.partner.segment"].create(
            {"name": "Recent repeat buyers", "company_id": self.c1.id, "domain": domain}
        )
        sql = segment._domain_query().code
        self.assertEqual(sql.count('FROM "res_partner_lifecycle"'), 1, sql)
        segment.action_recompute()
        expected = self.p["active_at_x"] | self.p["company"] | self.p["child"]
        self.assertEqual(segment.partner_ids, expected)
        self.assertEqual(
            self.Partner.with_company(self.c1).search(segment._parsed_domain()),
            expected,
            "the same partners as the condition-by-condition search",
        )
        # a condition that partners without a row meet is not merged (they must stay in)
        Partner = self.Partner.with_company(self.c1)
        mixed = [("purchase_count", "<", 2), ("lifecycle_stage", "!=", "lead"), ("name", "like", "LC ")]
        self.assertEqual(Partner._merge_lifecycle_conditions(mixed), mixed)
        self.assertIn(self.p["nothing"], Partner.search(mixed))

    def test_conditions_matching_partners_without_row_stay_subqueries(self):
        self.recompute(self.c1)
        Partner = self.Partner.with_company(self.c1)
        lc = [("name", "like", "LC ")]
        for domain in (
            [("lifecycle_stage", "=", False)],
            [("purchase_count", "<", 2)],
            [("lifecycle_stage", "not in", ["active", "churn"])],
        ):
            sql = Partner._search(lc + domain).select().code
            self.assertNotIn(str(self.p["nothing"].id), sql.replace(str(self.c1.id), ""), domain)
            self.assertNotIn("NOT IN (SELECT", sql, domain)  # un-hashable at 1M with 4 MB
        self.assertEqual(
            Partner.search(lc + [("lifecycle_stage", "=", False)]), self.p["nothing"] | self.p["won_opp"]
        )
        self.assertEqual(
            Partner.search(lc + [("purchase_count", "<", 2)]),
            self.p["lead_opp"]
            | self.p["lead_quote"]
            | self.p["lost_opp"]
            | self.p["lost_quote"]
            | self.p["nothing"]
            | self.p["new_at_x"]
            | self.p["onetime"]
            | self.p["won_opp"],
        )
        segment = self.env["res.partner.segment"].create(
            {
                "name": "Not repeat",
                "company_id": self.c1.id,
                "domain": "[('name', 'like', 'LC '), '|', ('lifecycle_stage', '=', False), "
                "('lifecycle_stage', '=', 'lost')]",
            }
        )
        segment.action_recompute()
        self.assertEqual(
            segment.partner_ids, self.p["nothing"] | self.p["won_opp"] | self.p["lost_opp"] | self.p["lost_quote"]
        )

    def test_partners_group_and_sort_by_stage_and_figures(self):
        self.recompute(self.c1)
        Partner = self.Partner.with_company(self.c1)
        lc = [("name", "like", "LC ")]
        described = Partner.fields_get(["lifecycle_stage", "last_purchase_date"], ["groupable", "sortable"])
        self.assertTrue(described["lifecycle_stage"]["groupable"])
        self.assertTrue(described["last_purchase_date"]["sortable"])
        groups = dict(Partner._read_group(lc, ["lifecycle_stage"], ["__count"]))
        self.assertEqual(groups["churn"], 2)
        self.assertEqual(groups["active"], 3)  # active_at_x, and the company with its contact
        self.assertEqual(groups[False], 2)
        self.assertEqual(
            dict(Partner._read_group(lc + [("purchase_count", ">", 0)], ["purchase_count"], ["__count"])),
            {1: 2, 2: 8},
        )
        ordered = Partner.search(lc + [("purchase_count", ">=", 1)], order="last_purchase_date desc, id")
        self.assertEqual(ordered[:2], self.p["company"] | self.p["child"])  # 10 days ago
        self.assertEqual(ordered[-1], self.p["dormant"])
        self.assertFalse(
            dict(self.Partner.with_company(self.c2)._read_group(lc, ["lifecycle_stage"], ["__count"])).get(
                "churn"
            ),
            "read for env.company",
        )

    def test_other_company_sees_no_stage(self):
        self.recompute(self.c1 | self.c2)
        self.assertEqual(self.stage(self.p["dormant"], self.c1), "dormant")
        self.assertFalse(self.stage(self.p["dormant"], self.c2))


@tagged("post_install", "-at_install")
class TestLifecycleCycle(LifecycleCase):
    """X in each mode, against values computed by hand."""

    def test_interval_mode_pools_gaps_of_every_customer(self):
        a, b = self.Partner.create([{"name": "Gap A"}, {"name": "Gap B"}])
        for k in range(11):  # 10 gaps of 10 days
            self.order(a, k * 10, self.c1)
        self.order(b, 0, self.c1)
        self.order(b, 40, self.c1)  # 1 gap of 40 days
        self.c1.lifecycle_cycle_mode = "interval"
        self.recompute(self.c1)
        self.assertEqual(self.c1.lifecycle_cycle_days, 13)  # (10 * 10 + 40) / 11 = 12.7
        self.assertTrue(self.c1.lifecycle_cycle_measured)

    def test_interval_mode_falls_back_with_fewer_than_ten_gaps(self):
        a = self.Partner.create({"name": "Few gaps"})
        for k in range(10):  # 9 gaps
            self.order(a, k * 10, self.c1)
        self.c1.write({"lifecycle_cycle_mode": "interval", "lifecycle_default_cycle_days": 45})
        self.recompute(self.c1)
        self.assertEqual(self.c1.lifecycle_cycle_days, 45)
        self.assertFalse(self.c1.lifecycle_cycle_measured)

    def test_deal_mode_measures_quotation_to_order(self):
        partners = self.Partner.create([{"name": f"Deal {i}"} for i in range(10)])
        for i, partner in enumerate(partners):
            self.order(partner, 5, self.c1, created_days_before=2 if i < 5 else 5)
        self.c1.lifecycle_cycle_mode = "deal"
        self.recompute(self.c1)
        self.assertEqual(self.c1.lifecycle_cycle_days, 4)  # (5 * 2 + 5 * 5) / 10 = 3.5

    def test_deal_mode_falls_back_with_fewer_than_ten_orders(self):
        partner = self.Partner.create({"name": "Deal few"})
        for _i in range(9):
            self.order(partner, 5, self.c1, created_days_before=3)
        self.c1.write({"lifecycle_cycle_mode": "deal", "lifecycle_default_cycle_days": 20})
        self.recompute(self.c1)
        self.assertEqual(self.c1.lifecycle_cycle_days, 20)

    def test_amounts_in_company_currency(self):
        partner = self.Partner.create({"name": "Foreign currency"})
        self.order(partner, 10, self.c1, amount=2)  # 200
        foreign = self.order(partner, 5, self.c1, amount=3)  # 300 at rate 1.5
        foreign.flush_recordset()
        self.env.cr.execute("UPDATE sale_order SET currency_rate = 1.5 WHERE id = %s", [foreign.id])
        self.recompute(self.c1)
        partner = partner.with_company(self.c1)
        self.assertAlmostEqual(partner.purchase_total, 400.0)
        self.assertAlmostEqual(partner.purchase_average, 200.0)

    def test_engine_function_runs_on_a_cursor(self):
        partner = self.Partner.create({"name": "Engine direct"})
        self.order(partner, 100, self.c1)
        self.order(partner, 10, self.c1)
        self.env.flush_all()
        lifecycle.collect_purchases(self.env.cr, self.c1.id, TODAY)
        figures = lifecycle.recompute_company(self.env.cr, self.c1.id, TODAY, 30)
        self.assertEqual(figures["inserted"], 1)
        self.assertEqual(figures["transitions"], 1)
        self.assertEqual(self.stage(partner, self.c1), "active")
        later = TODAY + timedelta(days=25)
        lifecycle.collect_purchases(self.env.cr, self.c1.id, later)
        figures = lifecycle.recompute_company(self.env.cr, self.c1.id, later, 30)
        self.assertEqual((figures["updated"], figures["transitions"]), (1, 1))
        self.assertEqual(self.stage(partner, self.c1), "active_churn")
        # the purchases collected are another company's, another day's, a full run's
        for company, day, changed_only in (
            (self.c2, later, False),
            (self.c1, TODAY, False),
            (self.c1, later, True),
        ):
            with self.assertRaises(ValueError):
                lifecycle.recompute_company(self.env.cr, company.id, day, 30, changed_only=changed_only)

    def test_fixed_mode_uses_the_user_value(self):
        partner = self.Partner.create({"name": "Fixed"})
        self.order(partner, 200, self.c1)
        self.order(partner, 100, self.c1)
        self.c1.lifecycle_cycle_days = 50
        self.recompute(self.c1)
        self.assertEqual(self.c1.lifecycle_cycle_days, 50)
        self.assertEqual(self.stage(partner, self.c1), "active_churn")  # 50 < 100 <= 100

    def test_two_companies_different_cycles_and_stages(self):
        partner = self.Partner.create({"name": "Both companies"})
        for company in self.c1 | self.c2:
            self.order(partner, 300, company)
            self.order(partner, 100, company)
        self.recompute(self.c1 | self.c2)
        self.assertEqual(self.stage(partner, self.c1), "churn")  # X=30: 60 < 100 <= 120
        self.assertEqual(self.stage(partner, self.c2), "active")  # X=365
        self.assertEqual(self.env["res.partner.lifecycle"].search_count([("partner_id", "=", partner.id)]), 2)

    def test_multipliers_and_active_count_are_settings(self):
        partner = self.Partner.create({"name": "Settings"})
        self.order(partner, 200, self.c1)
        self.order(partner, 100, self.c1)
        self.c1.write({"lifecycle_new_factor": 4, "lifecycle_churn_factor": 5, "lifecycle_dormant_factor": 6})
        self.recompute(self.c1)
        self.assertEqual(self.stage(partner, self.c1), "active")  # 100 <= 4 * 30
        self.c1.lifecycle_active_count = 3
        self.recompute(self.c1)
        self.assertEqual(self.stage(partner, self.c1), "new")  # 2 purchases < 3

    def test_settings_must_make_sense(self):
        with self.assertRaises(ValidationError):
            self.c1.lifecycle_churn_factor = 0.5
        with self.assertRaises(ValidationError):
            self.c1.lifecycle_active_count = 1
        with self.assertRaises(ValidationError):
            self.c1.lifecycle_default_cycle_days = 0

    def test_settings_show_the_cycle_in_use(self):
        settings = self.env["res.config.settings"].with_company(self.c2).create({})
        self.assertEqual(settings.lifecycle_cycle_days, 365)
        self.assertEqual(settings.lifecycle_cycle_mode, "fixed")

    def test_one_click_saves_the_settings_and_recomputes(self):
        self.order(self.Partner.create({"name": "Settings buyer"}), 50, self.c2)
        settings = (
            self.env["res.config.settings"]
            .with_company(self.c2)
            .with_context(allowed_company_ids=self.c2.ids)
            .create({"lifecycle_cycle_days": 20})
        )
        with freeze_time(TODAY):
            done = settings.action_recompute_lifecycle()
        self.assertEqual(self.c2.lifecycle_cycle_days, 20, "the value on screen was saved first")
        self.assertTrue(self.c2.lifecycle_last_run)
        self.assertEqual(done["tag"], "display_notification")
        self.assertEqual(done["params"]["next"]["tag"], "reload")

    def test_one_click_while_another_run_computes_the_company_saves_and_says_so(self):
        settings = (
            self.env["res.config.settings"]
            .with_company(self.c2)
            .with_context(allowed_company_ids=self.c2.ids)
            .create({"lifecycle_cycle_days": 20})
        )
        with self.registry.cursor() as elsewhere:
            self.assertTrue(batch.try_xact_lock(elsewhere, LIFECYCLE_LOCK, self.c2.id))
            with freeze_time(TODAY):
                told = settings.action_recompute_lifecycle()
            elsewhere.rollback()
        self.assertEqual(self.c2.lifecycle_cycle_days, 20, "the value on screen is saved all the same")
        self.assertFalse(self.c2.lifecycle_last_run)
        self.assertEqual(told["params"]["type"], "warning")
        self.assertIn("being recomputed right now", told["params"]["message"])
        self.assertTrue(told["params"]["sticky"], "the warning stays on screen")
        self.assertNotIn("next", told["params"], "no page reload takes the warning away")


@tagged("post_install", "-at_install")
class TestLifecycleHistory(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.newbie, cls.regular, cls.prospect = cls.Partner.create(
            [{"name": "H newbie"}, {"name": "H regular"}, {"name": "H prospect"}]
        )

    def setUp(self):
        super().setUp()
        self.order(self.newbie, 10, self.c1)
        self.order(self.regular, 40, self.c1)
        self.order(self.regular, 5, self.c1)
        self.opportunity(self.prospect, self.c1)

    def transitions(self, partner):
        return self.env["res.partner.lifecycle.transition"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.c1.id)], order="id"
        )

    def test_snapshot_counts_stages_of_the_day(self):
        self.recompute(self.c1)
        snapshots = self.env["res.partner.lifecycle.snapshot"].search(
            [("company_id", "=", self.c1.id), ("date", "=", TODAY)]
        )
        counted = {s.stage: s.partner_count for s in snapshots if s.partner_count}
        stored = self.env["res.partner.lifecycle"]._read_group(
            [("company_id", "=", self.c1.id)], ["stage"], ["__count"]
        )
        self.assertEqual(counted, dict(stored))
        self.assertEqual(counted, {"new": 1, "active": 1, "lead": 1})
        # every stage, 0 included: a chart of several companies keeps each stage's colour
        self.assertEqual(set(snapshots.mapped("stage")), {key for key, _label in lifecycle.STAGES})
        self.recompute(self.c1)  # a rerun the same day replaces the day's counts
        self.assertEqual(
            self.env["res.partner.lifecycle.snapshot"].search_count(
                [("company_id", "=", self.c1.id), ("date", "=", TODAY)]
            ),
            len(lifecycle.STAGES),
        )

    def test_transitions_record_where_customers_flow(self):
        self.recompute(self.c1)
        self.assertFalse(self.transitions(self.newbie), "a first computation: the row holds the first stage")
        later = TODAY + timedelta(days=40)
        self.recompute(self.c1, day=later)
        last = self.transitions(self.newbie)
        self.assertEqual((last.from_stage, last.to_stage, last.date), ("new", "onetime", later))
        self.assertEqual(self.newbie.with_company(self.c1).lifecycle_stage_since, later)
        self.assertEqual(self.newbie.with_company(self.c1).lifecycle_transition_ids, self.transitions(self.newbie))
        self.assertFalse(self.transitions(self.prospect), "unchanged: no transition")

    def test_first_computation_writes_no_entries_later_customers_enter(self):
        self.recompute(self.c1)
        Transition = self.env["res.partner.lifecycle.transition"]
        self.assertFalse(Transition.search([("company_id", "=", self.c1.id)]), "every customer's row says it")
        latecomer = self.Partner.create({"name": "H latecomer"})
        self.order(latecomer, -38, self.c1)  # two days before the next run
        self.recompute(self.c1, day=TODAY + timedelta(days=40))
        entry = self.transitions(latecomer)
        self.assertEqual((entry.from_stage, entry.to_stage, entry.initial), (False, "new", True))
        change = self.transitions(self.newbie)
        self.assertEqual((change.from_stage, change.to_stage, change.initial), ("new", "onetime", False))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "partner_segmentation.res_partner_lifecycle_transition_action"
        )
        self.assertIn("search_default_changes", action["context"], "the flow pivot opens on changes only")
        changes = Transition.search([("company_id", "=", self.c1.id), ("initial", "=", False)])
        self.assertEqual(
            changes, change | self.transitions(self.regular), "the newbie's and the regular's changes"
        )

    def test_first_computation_estimates_since_when_from_the_purchases(self):
        sleeper = self.Partner.create({"name": "H sleeper"})
        self.order(sleeper, 500, self.c1)
        self.order(sleeper, 400, self.c1)
        self.recompute(self.c1)
        Partner = self.Partner.with_company(self.c1)
        # X = 30: dormant once its last purchase is more than 4X = 120 days old
        self.assertEqual(Partner.browse(sleeper.id).lifecycle_stage, "dormant")
        self.assertEqual(Partner.browse(sleeper.id).lifecycle_stage_since, TODAY - timedelta(days=400 - 121))
        self.assertEqual(Partner.browse(self.newbie.id).lifecycle_stage_since, TODAY - timedelta(days=10))
        self.assertEqual(Partner.browse(self.regular.id).lifecycle_stage_since, TODAY - timedelta(days=5))
        self.assertEqual(Partner.browse(self.prospect.id).lifecycle_stage_since, TODAY)

    def test_stages_group_in_funnel_order(self):
        self.recompute(self.c1)
        funnel = [key for key, _label in lifecycle.STAGES]
        stages = [
            stage
            for stage, _count in self.env["res.partner.lifecycle.snapshot"]._read_group(
                [("company_id", "=", self.c1.id), ("partner_count", ">", 0)], ["stage"], ["__count"]
            )
        ]
        self.assertEqual(stages, ["lead", "new", "active"], "not alphabetical (active, lead, new)")
        self.assertEqual(stages, sorted(stages, key=funnel.index))
        by_partner = [
            stage
            for stage, _count in self.Partner.with_company(self.c1)._read_group(
                [("name", "like", "H ")], ["lifecycle_stage"], ["__count"]
            )
        ]
        self.assertEqual(by_partner, ["lead", "new", "active"])

    def test_unchanged_partner_is_not_rewritten(self):
        self.recompute(self.c1)
        row = self.env["res.partner.lifecycle"].search(
            [("partner_id", "=", self.prospect.id), ("company_id", "=", self.c1.id)]
        )
        self.env.cr.execute("SELECT ctid FROM res_partner_lifecycle WHERE id = %s", [row.id])
        before = self.env.cr.fetchone()[0]  # any UPDATE writes a new row version elsewhere
        self.recompute(self.c1, day=TODAY + timedelta(days=1))
        self.env.cr.execute("SELECT ctid FROM res_partner_lifecycle WHERE id = %s", [row.id])
        self.assertEqual(self.env.cr.fetchone()[0], before)
        changed = self.env["res.partner.lifecycle"].search(
            [("partner_id", "=", self.newbie.id), ("company_id", "=", self.c1.id)]
        )
        self.env.cr.execute("SELECT ctid FROM res_partner_lifecycle WHERE id = %s", [changed.id])
        before = self.env.cr.fetchone()[0]
        self.recompute(self.c1, day=TODAY + timedelta(days=40))
        self.env.cr.execute("SELECT ctid FROM res_partner_lifecycle WHERE id = %s", [changed.id])
        self.assertNotEqual(self.env.cr.fetchone()[0], before, "a changed row is rewritten")

    def test_partner_losing_all_history_leaves_its_stage(self):
        self.recompute(self.c1)
        self.env["crm.lead"].search([("partner_id", "=", self.prospect.id)]).unlink()
        self.recompute(self.c1, day=TODAY + timedelta(days=1))
        self.assertFalse(self.stage(self.prospect, self.c1))
        self.assertEqual(self.transitions(self.prospect)[-1].from_stage, "lead")
        self.assertFalse(self.transitions(self.prospect)[-1].to_stage)

    def test_interrupted_run_resumes_cleanly(self):
        self.env["ir.config_parameter"].set_param("partner_segmentation.lifecycle_batch_size", "1")
        original = lifecycle.apply_batch
        calls = []

        def crash_after_first(*args, **kwargs):
            calls.append(args)
            if len(calls) == 2:
                raise KeyboardInterrupt("worker killed")
            return original(*args, **kwargs)

        interrupted = False
        with patch.object(lifecycle, "apply_batch", crash_after_first), freeze_time(TODAY):
            try:
                self.c1.action_recompute_lifecycle()
            except KeyboardInterrupt:
                interrupted = True
        self.assertTrue(interrupted)
        done = self.env["res.partner.lifecycle"].search_count([("company_id", "=", self.c1.id)])
        self.assertEqual(done, 1, "the first batch was written before the crash")
        self.assertFalse(self.c1.lifecycle_last_run, "the run did not finish: the next one is still a first")
        self.recompute(self.c1)
        rows = self.env["res.partner.lifecycle"].search([("company_id", "=", self.c1.id)])
        self.assertEqual(len(rows), 3)
        transitions = self.env["res.partner.lifecycle.transition"].search([("company_id", "=", self.c1.id)])
        self.assertFalse(transitions, "an interrupted first computation is finished as a first one: no entries")

    def test_progress_is_reported_to_the_cron(self):
        self.env["ir.config_parameter"].set_param("partner_segmentation.lifecycle_batch_size", "1")
        cron = self.env.ref("partner_segmentation.ir_cron_lifecycle_recompute")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        with freeze_time(TODAY):
            self.c1.with_context(ir_cron_progress_id=progress.id).action_recompute_lifecycle()
        self.assertGreater(progress.done, 0)
        self.assertEqual(progress.remaining, 0)

    def test_cron_recomputes_every_company(self):
        self.order(self.newbie, 10, self.c2)
        with freeze_time(TODAY):
            self.env["res.company"]._cron_recompute_lifecycle()
        self.assertEqual(self.stage(self.newbie, self.c1), "new")
        self.assertEqual(self.stage(self.newbie, self.c2), "new")
        self.assertTrue(self.c2.lifecycle_last_run)

    def test_a_company_being_computed_elsewhere_is_refused_or_left_to_that_run(self):
        """Another connection (the scheduler, a user, another server) is computing c1's
        lifecycle: a user's recompute of c1 and c2 computes c2 and is refused for c1 with a
        message, and the scheduler leaves c1 to that run."""
        self.order(self.newbie, 10, self.c2)
        with self.registry.cursor() as elsewhere:
            self.assertTrue(batch.try_xact_lock(elsewhere, LIFECYCLE_LOCK, self.c1.id))
            with self.assertRaisesRegex(LifecycleRunning, "being recomputed right now"):
                self.recompute(self.c1 | self.c2)
            self.assertTrue(self.c2.lifecycle_last_run, "the other company is computed all the same")
            with freeze_time(TODAY), patch.object(res_company, "_logger") as logger:
                self.env["res.company"]._cron_recompute_lifecycle()
            elsewhere.rollback()
        logger.info.assert_called_once_with("Lifecycle of company %s left to the run computing it", self.c1.name)
        logger.exception.assert_not_called()
        self.assertFalse(self.c1.lifecycle_last_run)
        self.assertEqual(self.stage(self.newbie, self.c2), "new")
        self.recompute(self.c1)  # that run over: this one goes
        self.assertEqual(self.stage(self.newbie, self.c1), "new")

    def test_a_run_that_commits_keeps_its_lock_to_the_end_and_releases_it_on_failure(self):
        """Outside tests a full run commits by ranges: its lock is the connection's, held
        across commits, and released when the run fails (its transaction rolled back first),
        so that the pooled connection does not keep it."""
        lock = (LIFECYCLE_LOCK, self.c1.id)
        with self.registry.cursor() as run_cr, patch.object(batch, "may_commit", return_value=True):
            run_env = self.env(cr=run_cr)
            with self.assertRaises(DivisionByZero), batch.run_lock(run_env, *lock) as held:
                self.assertTrue(held)
                run_cr.commit()  # pylint: disable=invalid-commit  # a range committed: still held
                self.assertFalse(batch.try_xact_lock(self.env.cr, *lock))
                with mute_logger("odoo.sql_db"):
                    run_cr.execute("SELECT 1 / 0")  # the run fails
            run_cr.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            self.assertEqual(run_cr.fetchone()[0], 0)
        self.assertTrue(batch.try_xact_lock(self.env.cr, *lock))


@tagged("post_install", "-at_install")
class TestLifecycleAccess(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_c2 = new_test_user(
            cls.env,
            login="lc_user_c2",
            company_id=cls.c2.id,
            company_ids=cls.c2.ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "partner_segmentation.group_segment_user",
        )
        cls.customer = cls.Partner.create({"name": "Shared customer"})

    def test_user_sees_only_own_company_lifecycle_data(self):
        self.order(self.customer, 10, self.c1)
        self.order(self.customer, 400, self.c2)
        self.recompute(self.c1 | self.c2)
        self.order(self.customer, 0, self.c2)  # one-time -> active in company two
        self.recompute(self.c1 | self.c2)
        for model in (
            "res.partner.lifecycle",
            "res.partner.lifecycle.snapshot",
            "res.partner.lifecycle.transition",
        ):
            records = self.env[model].with_user(self.user_c2).search([])
            self.assertEqual(records.company_id, self.c2, model)
        partner = self.customer.with_user(self.user_c2)
        self.assertEqual(partner.lifecycle_stage, "active", "read for the user's company")
        c1_snapshot = self.env["res.partner.lifecycle.snapshot"].search([("company_id", "=", self.c1.id)], limit=1)
        self.assertTrue(c1_snapshot)
        with self.assertRaises(AccessError):
            c1_snapshot.with_user(self.user_c2).read(["partner_count"])

    def test_segment_user_cannot_recompute(self):
        with self.assertRaises(UserError):
            self.c2.with_user(self.user_c2).action_recompute_lifecycle()

    def test_a_manager_of_another_company_recomputes_from_the_list(self):
        """A segmentation manager who may not open the settings: the button above the list
        recomputes the companies the manager works in now, and says so."""
        manager = new_test_user(
            self.env,
            login="lc_manager_c2",
            company_id=self.c2.id,
            company_ids=self.c2.ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "partner_segmentation.group_segment_manager",
        )
        self.order(self.customer, 10, self.c1)
        self.order(self.customer, 400, self.c2)
        rows = self.env["res.partner.lifecycle"].with_user(manager).with_context(allowed_company_ids=self.c2.ids)
        with freeze_time(TODAY):
            done = rows.action_recompute_lifecycle()
        self.assertEqual(self.stage(self.customer, self.c2), "onetime")
        self.assertTrue(self.c2.lifecycle_last_run)
        self.assertFalse(self.c1.lifecycle_last_run, "not a company the manager works in")
        self.assertFalse(self.stage(self.customer, self.c1))
        self.assertEqual(done["params"]["type"], "success")
        self.assertIn("Lifecycle Two", done["params"]["message"])
        self.assertEqual(done["params"]["next"]["tag"], "soft_reload", "the list shows the new stages")
        with self.assertRaises(UserError):
            rows.with_user(self.user_c2).action_recompute_lifecycle()
        with self.assertRaises(TypeError, msg="a run of one id per commit, all night: not the caller's choice"):
            self.c2.with_user(manager).action_recompute_lifecycle(full=True, batch_size=1)

    def test_the_list_button_says_when_another_run_computes_the_company(self):
        rows = self.env["res.partner.lifecycle"]
        with self.registry.cursor() as elsewhere:
            self.assertTrue(batch.try_xact_lock(elsewhere, LIFECYCLE_LOCK, self.c2.id))
            with freeze_time(TODAY):
                told = rows.with_context(allowed_company_ids=self.c2.ids).action_recompute_lifecycle()
                told_both = rows.with_context(
                    allowed_company_ids=(self.c1 | self.c2).ids
                ).action_recompute_lifecycle()
            elsewhere.rollback()
        self.assertFalse(self.c2.lifecycle_last_run)
        self.assertEqual(
            (told["params"]["type"], told["params"]["title"]), ("warning", "Lifecycle not recomputed")
        )
        self.assertIn("being recomputed right now", told["params"]["message"])
        self.assertTrue(told["params"]["sticky"])
        self.assertNotIn("next", told["params"], "nothing new to show")
        # one company computed, the other left to the run computing it: both said, the list reloaded
        self.assertTrue(self.c1.lifecycle_last_run)
        params = told_both["params"]
        self.assertEqual((params["type"], params["title"]), ("warning", "Lifecycle recomputed in part"))
        self.assertIn("Lifecycle One are up to date", params["message"])
        self.assertIn("Lifecycle Two is being recomputed right now", params["message"])
        self.assertEqual(params["next"]["tag"], "soft_reload")

    def test_a_run_counts_the_companys_days_not_the_callers(self):
        """A manager far east of the company (UTC+14) cannot date a run, and its stage
        changes, a day ahead; naming the company twice runs it once; no endless run."""
        self.order(self.customer, 400, self.c2)
        companies = self.env["res.company"].browse([self.c2.id, self.c2.id]).with_context(tz="Pacific/Kiritimati")
        original, runs = res_company.ResCompany._recompute_lifecycle_now, []

        def counted(company, *args):
            runs.append(company.id)
            return original(company, *args)

        with (
            freeze_time(datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=14)),
            patch.object(res_company.ResCompany, "_recompute_lifecycle_now", counted),
        ):
            done = companies.action_recompute_lifecycle_notify()
        self.assertEqual(self.c2.lifecycle_last_date, TODAY, "the company's day (UTC), not the caller's")
        self.assertEqual(runs, self.c2.ids)
        self.assertEqual(done["params"]["message"].count("Lifecycle Two"), 1)
        for size in ("0", "ten"):
            self.env["ir.config_parameter"].set_param("partner_segmentation.lifecycle_batch_size", size)
            with self.assertRaisesRegex(UserError, "lifecycle_batch_size to 1 or more"):
                self.c2.action_recompute_lifecycle(full=True)
        with self.assertRaises(UserError):
            self.env["res.company"].action_recompute_lifecycle_notify()

    def test_ready_made_lifecycle_segments_are_templates(self):
        for xmlid in ("template_lifecycle_reactivation", "template_lifecycle_new", "template_lifecycle_active"):
            template = self.env.ref(f"partner_segmentation.{xmlid}")
            self.assertEqual(template.category, "lifecycle")
            self.assertIn("lifecycle_stage", template.domain)
        template = self.env.ref("partner_segmentation.template_lifecycle_reactivation")
        main = self.env.ref("base.main_company")
        self.order(self.customer, 400, main)
        self.recompute(main)
        reactivation = self.env["res.partner.segment"].browse(template.with_company(main).action_use()["res_id"])
        reactivation.action_recompute()
        self.assertIn(self.customer, reactivation.partner_ids)

    def test_a_manager_who_is_not_an_administrator_changes_the_settings_of_their_company(self):
        """SPEC 4: segmentation managers change the settings; Odoo's Settings page is for
        administrators only, so managers get their company's settings in a dialog."""
        manager = new_test_user(
            self.env,
            login="lc_settings_manager_c2",
            company_id=self.c2.id,
            company_ids=self.c2.ids,
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        Settings = self.env["res.partner.lifecycle.settings.wizard"].with_user(manager)
        Settings = Settings.with_context(allowed_company_ids=self.c2.ids)
        wizard = Settings.create({"lifecycle_cycle_mode": "interval", "lifecycle_churn_factor": 3})
        self.assertEqual(wizard.company_id, self.c2)
        self.assertEqual((self.c2.lifecycle_cycle_mode, self.c2.lifecycle_churn_factor), ("interval", 3))
        wizard.write({"lifecycle_dormant_factor": 6})
        self.assertEqual(self.c2.lifecycle_dormant_factor, 6)
        with self.assertRaises(ValidationError):  # the company's own checks hold
            wizard.write({"lifecycle_new_factor": 5})
        with freeze_time(TODAY):
            params = wizard.action_recompute_lifecycle()["params"]
        self.assertTrue(
            params["message"].startswith("Settings saved; stages and purchase figures of Lifecycle Two")
        )
        self.assertTrue(self.c2.lifecycle_last_run)
        # not another company's, not another user's dialog, not a segmentation user's
        with self.assertRaises(AccessError):
            Settings.create({"company_id": self.c1.id, "lifecycle_churn_factor": 3.5})
        self.assertEqual(self.c1.lifecycle_churn_factor, 2.0)
        self.env["ir.default"].with_user(manager).set(  # a user's own default picks no company
            "res.partner.lifecycle.settings.wizard", "company_id", self.c1.id, user_id=True
        )
        self.assertEqual(Settings.create({"lifecycle_default_cycle_days": 32}).company_id, self.c2)
        self.assertEqual((self.c1.lifecycle_default_cycle_days, self.c2.lifecycle_default_cycle_days), (30, 32))
        with self.assertRaises(AccessError):
            wizard.write({"company_id": self.c1.id})
        for model in ("res.partner.lifecycle.settings.wizard", "res.config.settings"):  # a form's onchange
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user_c2).new({"company_id": self.c1.id}).mapped(
                    "lifecycle_cycle_days"
                )
        other = new_test_user(
            self.env,
            login="lc_settings_manager_c2_bis",
            company_id=self.c2.id,
            company_ids=self.c2.ids,
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        with self.assertRaises(AccessError):
            wizard.with_user(other).write({"lifecycle_active_count": 3})
        with self.assertRaises(UserError):
            self.env["res.partner.lifecycle.settings.wizard"].with_user(self.user_c2).with_context(
                allowed_company_ids=self.c2.ids
            ).create({"lifecycle_active_count": 3})
        self.assertEqual(self.c2.lifecycle_active_count, 2)
