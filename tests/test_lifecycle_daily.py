import random
from datetime import datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..engine import lifecycle
from ..engine.figures import STORED_FIGURES
from ..engine.rfm import COLUMNS as RFM_COLUMNS
from .common import sell
from .test_lifecycle import TODAY

ROW_COLUMNS = ("partner_id", "stage", "stage_since", *(f.name for f in STORED_FIGURES), *RFM_COLUMNS)


class Interrupted(Exception):
    """A worker killed in the middle of a run."""


@tagged("post_install", "-at_install")
class TestLifecycleDailyRun(TransactionCase):
    """The daily run recomputes from orders only the customers that changed, and gives the
    rows, transitions and snapshots of a full run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Daily Run Co", "lifecycle_cycle_mode": "interval"})
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.product = cls.env["product.product"].create({"name": "Daily product", "list_price": 10})
        Partner = cls.env["res.partner"]
        cls.firms = Partner.create([{"name": f"Daily firm {i}", "is_company": True} for i in range(8)])
        cls.contacts = Partner.create(
            [{"name": f"Daily contact {i}", "parent_id": cls.firms[i % 8].id} for i in range(8)]
        )
        cls.people = Partner.create([{"name": f"Daily person {i}"} for i in range(10)])
        cls.stage_won = cls.env["crm.stage"].create({"name": "Daily won", "is_won": True})

    # ---- data -----------------------------------------------------------------------------

    def order(self, partner, day, confirm=True, qty=1, company=None):
        order = sell(self.env, partner, company or self.company, self.product, qty, confirm)
        order.date_order = datetime.combine(day, time(12))
        return order

    def customers(self):
        return (self.firms | self.contacts | self.people).exists()

    def orders(self, states):
        return self.env["sale.order"].search([("company_id", "=", self.company.id), ("state", "in", states)])

    def random_change(self, rng, day):
        """One thing a user does on ``day``, through the ORM."""
        changes = {
            "buy": self.buy,
            "quote": lambda rng, day: self.order(rng.choice(self.customers()), day, confirm=False),
            "confirm": lambda rng, day: self.pick(rng, ["draft", "sent"]).action_confirm(),
            "cancel": lambda rng, day: self.pick(rng, ["sale"])._action_cancel(),
            "delete": lambda rng, day: self.pick(rng, ["draft", "cancel"]).unlink(),
            "reprice": self.reprice,
            "opportunity": self.open_opportunity,
            "lose": lambda rng, day: self.pick_lead(rng).action_archive(),
            "win": lambda rng, day: self.pick_lead(rng).write({"stage_id": self.stage_won.id}),
            "move": self.move_contact,
            "merge": self.merge_people,
            "backdate": self.backdate,
            # orders of an archived contact still count, in both runs
            "archive": lambda rng, day: rng.choice(self.contacts.exists() or self.people).action_archive(),
        }
        name = rng.choice([*changes, "buy", "buy"])
        changes[name](rng, day)

    def pick(self, rng, states):
        orders = self.orders(states)
        return rng.choice(orders) if orders else orders

    def pick_lead(self, rng):
        leads = self.env["crm.lead"].search([("company_id", "=", self.company.id)])
        return rng.choice(leads) if leads else leads

    def buy(self, rng, day):
        ago = rng.choice([0, 0, 3, 40, 200, 364, 366, 700])
        self.order(rng.choice(self.customers()), day - timedelta(days=ago))

    def reprice(self, rng, day):
        self.pick(rng, ["sale"]).order_line[:1].write({"product_uom_qty": rng.randint(2, 9)})

    def open_opportunity(self, rng, day):
        self.env["crm.lead"].create(
            {
                "name": "Daily opp",
                "type": "opportunity",
                "partner_id": rng.choice(self.customers()).id,
                "company_id": self.company.id,
            }
        )

    def move_contact(self, rng, day):
        rng.choice(self.contacts.exists() or self.people).parent_id = rng.choice(self.firms.exists())

    def merge_people(self, rng, day):
        pair = rng.sample(list(self.people.exists()), 2)
        self.env["base.partner.merge.automatic.wizard"]._merge([p.id for p in pair], pair[1], extra_checks=False)

    def backdate(self, rng, day):
        self.pick(rng, ["sale"]).write(
            {"date_order": datetime.combine(day - timedelta(days=rng.randint(0, 800)), time(9))}
        )

    # ---- state ----------------------------------------------------------------------------

    def state(self, day):
        """Rows, the day's transitions and snapshots of the company, comparable."""
        cr = self.env.cr
        self.env.flush_all()
        queries = {
            "rows": SQL(
                "SELECT %s FROM res_partner_lifecycle WHERE company_id = %s ORDER BY partner_id",
                SQL(", ").join(SQL.identifier(c) for c in ROW_COLUMNS),
                self.company.id,
            ),
            "transitions": SQL(
                """SELECT partner_id, from_stage, to_stage, initial FROM res_partner_lifecycle_transition
                    WHERE company_id = %s AND date = %s ORDER BY 1, 2, 3""",
                self.company.id,
                day,
            ),
            "stages": SQL(
                "SELECT stage, partner_count FROM res_partner_lifecycle_snapshot "
                "WHERE company_id = %s AND date = %s ORDER BY 1",
                self.company.id,
                day,
            ),
            "rfm": SQL(
                "SELECT rfm_segment, partner_count, purchase_total FROM res_partner_rfm_snapshot "
                "WHERE company_id = %s AND date = %s ORDER BY 1",
                self.company.id,
                day,
            ),
        }
        result = {}
        for name, query in queries.items():
            cr.execute(query)
            result[name] = cr.fetchall()
        result["cycle"] = self.company.lifecycle_cycle_days
        return result

    def full_run_result(self, day):
        """What a full run would write on ``day``, rolled back."""
        try:
            with self.env.cr.savepoint():
                with freeze_time(day):
                    self.company.action_recompute_lifecycle(full=True)
                expected = self.state(day)
                raise Interrupted
        except Interrupted:
            self.env.invalidate_all()
        return expected

    def daily_run(self, day):
        with patch.object(lifecycle, "collect_changed", wraps=lifecycle.collect_changed) as collect:
            with freeze_time(day):
                self.company.action_recompute_lifecycle()
        self.assertTrue(collect.called, "a daily run")
        self.env.invalidate_all()
        return self.state(day)

    # ---- tests ----------------------------------------------------------------------------

    def other_company_buys(self, rng, day):
        """The same customers buy from another company, which has its lifecycle too: none
        of it may count for this company's (the thresholds, the cycle)."""
        other = self.env["res.company"].create({"name": "Daily Other Co", "lifecycle_cycle_mode": "interval"})
        self.env.user.company_ids |= other
        for partner in self.customers():
            for _i in range(rng.randint(0, 3)):
                self.order(
                    partner, day - timedelta(days=rng.randint(0, 90)), qty=rng.randint(5, 50), company=other
                )
        with freeze_time(day):
            other.with_context(allowed_company_ids=other.ids).action_recompute_lifecycle()

    def test_daily_runs_equal_full_runs_on_random_changes(self):
        rng = random.Random(20261127)
        day = TODAY - timedelta(days=30)
        self.other_company_buys(rng, day)
        for partner in self.customers():  # a history: gaps enough to measure the cycle
            for _i in range(rng.randint(0, 4)):
                self.order(partner, day - timedelta(days=rng.randint(0, 500)))
        self.env["crm.lead"].create(
            {
                "name": "Daily opp",
                "type": "opportunity",
                "partner_id": self.people[0].id,
                "company_id": self.company.id,
            }
        )
        with freeze_time(day):
            self.company.action_recompute_lifecycle()
        days_with_moves = 0
        for _day in range(14):
            day += timedelta(days=rng.choice([1, 1, 1, 2, 7, 200]))  # 200: the scheduler was off
            with freeze_time(day):
                for _change in range(rng.randint(0, 6)):
                    self.random_change(rng, day)
            if rng.random() < 0.2:
                self.company.lifecycle_churn_factor = rng.choice([2.0, 2.5, 3.0])
            expected = self.full_run_result(day)
            self.assertEqual(self.daily_run(day), expected, f"daily run of {day}")
            self.assertTrue(expected["stages"] and expected["rows"], f"{day}: there is something to compare")
            days_with_moves += bool(expected["transitions"])
        self.assertGreaterEqual(days_with_moves, 5, "stages moved on many of the days compared")
        self.assertTrue(self.company.lifecycle_cycle_measured, "the cycle is measured (and moves with the orders)")
        cr = self.env.cr
        cr.execute(
            "SELECT count(*) FROM res_partner_lifecycle_transition WHERE company_id = %s AND NOT initial",
            [self.company.id],
        )
        self.assertGreater(cr.fetchone()[0], 10, "stages moved along the days")

    def test_daily_run_reaggregates_only_changed_customers(self):
        regular, quiet = self.people[:2]
        self.order(regular, TODAY - timedelta(days=5))
        quiet_order = self.order(quiet, TODAY - timedelta(days=5))
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        self.order(regular, TODAY)  # through the ORM: queued
        quiet_order.flush_recordset()
        # behind the ORM's back, not queued: a daily run does not see it, a full run does
        self.env.cr.execute("UPDATE sale_order SET amount_untaxed = 777 WHERE id = %s", [quiet_order.id])
        self.daily_run(TODAY)
        Lifecycle = self.env["res.partner.lifecycle"]
        row = Lifecycle.search([("company_id", "=", self.company.id), ("partner_id", "=", regular.id)])
        self.assertEqual(row.purchase_count, 2)
        quiet_row = Lifecycle.search([("company_id", "=", self.company.id), ("partner_id", "=", quiet.id)])
        self.assertEqual(quiet_row.purchase_total, 10)
        self.assertFalse(self.env["res.partner.lifecycle.pending"].search([("company_id", "=", self.company.id)]))
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle(full=True)
        self.env.invalidate_all()
        self.assertEqual(quiet_row.purchase_total, 777)

    def test_deleted_order_and_time_passing_are_caught(self):
        buyer, leaver = self.people[2:4]
        self.order(buyer, TODAY - timedelta(days=1))
        self.order(buyer, TODAY - timedelta(days=2))
        old = self.order(leaver, TODAY - timedelta(days=364), qty=3)
        self.order(leaver, TODAY - timedelta(days=400))
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        quote = self.order(buyer, TODAY, confirm=False)
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        Lifecycle = self.env["res.partner.lifecycle"].with_company(self.company)
        self.assertEqual(buyer.with_company(self.company).lifecycle_stage, "active")
        quote.unlink()
        later = TODAY + timedelta(days=3)
        self.assertEqual(self.full_run_result(later), self.daily_run(later))
        leaver_row = Lifecycle.search([("company_id", "=", self.company.id), ("partner_id", "=", leaver.id)])
        self.assertEqual(leaver_row.purchase_total_12m, 0, "the purchase of 364 days ago left the 12 months")
        self.assertEqual(old.amount_untaxed, 30)

    def test_interrupted_daily_run_is_done_again_by_the_next(self):
        for partner in self.people[:5]:
            self.order(partner, TODAY - timedelta(days=20))
            self.order(partner, TODAY - timedelta(days=50))
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        later = TODAY + timedelta(days=15)
        self.order(self.people[0], later)
        self.company.lifecycle_new_factor = 0.5  # a setting changed: taken at the next run
        expected = self.full_run_result(later)
        original = lifecycle.refresh_rows

        def killed(*args, **kwargs):
            original(*args, **kwargs)
            raise Interrupted("worker killed")

        with self.assertRaises(Interrupted), self.env.cr.savepoint():
            with patch.object(lifecycle, "refresh_rows", killed), freeze_time(later):
                self.company.action_recompute_lifecycle()
        self.env.invalidate_all()
        self.assertEqual(self.company.lifecycle_last_date, TODAY, "nothing of the killed run stayed")
        self.assertTrue(self.env["res.partner.lifecycle.pending"].search([("company_id", "=", self.company.id)]))
        self.assertEqual(self.daily_run(later), expected)
        self.assertIn(("active_churn",), [(t[2],) for t in expected["transitions"]], "the new window moved stages")

    def test_stage_becoming_won_is_caught(self):
        stage = self.env["crm.stage"].create({"name": "Daily negotiation"})
        prospect = self.people[5]
        self.env["crm.lead"].create(
            {
                "name": "Daily opp",
                "type": "opportunity",
                "partner_id": prospect.id,
                "company_id": self.company.id,
                "stage_id": stage.id,
            }
        )
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        self.assertEqual(prospect.with_company(self.company).lifecycle_stage, "lead")
        stage.is_won = True  # the opportunity is won: no longer open interest, and no order
        self.daily_run(TODAY)
        self.assertFalse(prospect.with_company(self.company).lifecycle_stage)

    def test_stage_boundaries_are_counted_as_the_stages_are(self):
        """45 days x 1.4 is 63 days for PostgreSQL, 62.99999999999999 for a Python float."""
        self.company.write(
            {"lifecycle_cycle_mode": "fixed", "lifecycle_cycle_days": 45, "lifecycle_new_factor": 1.4}
        )
        regular = self.people[6]
        self.order(regular, TODAY - timedelta(days=100))
        self.order(regular, TODAY - timedelta(days=63))
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        self.assertEqual(regular.with_company(self.company).lifecycle_stage, "active", "63 days: within 63")
        self.daily_run(TODAY + timedelta(days=1))
        self.assertEqual(regular.with_company(self.company).lifecycle_stage, "active_churn")

    def test_deleted_contact_takes_its_opportunity_along(self):
        firm, contact = self.firms[7], self.contacts[7]
        self.env["crm.lead"].create(
            {"name": "Daily opp", "type": "opportunity", "partner_id": contact.id, "company_id": self.company.id}
        )
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        self.assertEqual(firm.with_company(self.company).lifecycle_stage, "lead")
        contact.unlink()  # the database empties the opportunity's customer, no ORM write
        self.daily_run(TODAY)
        self.assertFalse(firm.with_company(self.company).lifecycle_stage)

    def test_a_contacts_quotations_are_its_companys_interest(self):
        """A daily run looks the changed customers' quotations up contact by contact: a
        firm's contact's quotation makes the firm a lead, its cancellation lost."""
        firm, contact = self.firms[6], self.contacts[6]
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        quotation = self.order(contact, TODAY, confirm=False)
        self.assertEqual(self.daily_run(TODAY), self.full_run_result(TODAY))
        self.assertEqual(firm.with_company(self.company).lifecycle_stage, "lead")
        quotation._action_cancel()
        self.assertEqual(self.daily_run(TODAY), self.full_run_result(TODAY))
        self.assertEqual(firm.with_company(self.company).lifecycle_stage, "lost")

    def test_daily_run_sees_changes_the_orm_has_not_written_yet(self):
        buyer = self.people[8]
        self.order(buyer, TODAY - timedelta(days=90))
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        order = self.order(buyer, TODAY - timedelta(days=60))
        order.date_order = datetime.combine(TODAY - timedelta(days=2), time(9))  # in the cache only
        self.assertTrue(self.env.cache.has_dirty_fields(order, [order._fields["date_order"]]), "not written yet")
        daily = self.daily_run(TODAY)
        self.assertEqual(daily, self.full_run_result(TODAY))
        row = self.env["res.partner.lifecycle"].search(
            [("company_id", "=", self.company.id), ("partner_id", "=", buyer.id)]
        )
        self.assertEqual(row.last_purchase_date, TODAY - timedelta(days=2))

    def test_many_changed_customers_are_left_out_by_an_anti_join_too(self):
        """Beyond what a hashed list holds, the stored rows of the changed customers are left
        out of the cycle and the thresholds by an anti-join: the same result."""
        rng = random.Random(7)
        for partner in self.customers():
            for _i in range(rng.randint(1, 4)):
                self.order(partner, TODAY - timedelta(days=rng.randint(0, 400)), qty=rng.randint(1, 30))
        with freeze_time(TODAY):
            self.company.action_recompute_lifecycle()
        later = TODAY + timedelta(days=3)
        for partner in self.people[:4]:
            self.order(partner, later, qty=40)
        expected = self.full_run_result(later)
        with patch.object(lifecycle, "HASHED_LIST_ROWS", 0):
            self.assertEqual(self.daily_run(later), expected)
        self.assertTrue(expected["transitions"], "something moved")
