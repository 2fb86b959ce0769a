from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from ..models.res_partner_segment import RECOMPUTE_LOCK, SCHEDULER_CRONS
from .common import SegmentCase


@tagged("post_install", "-at_install")
class TestSegmentScheduler(SegmentCase):
    def test_cron_is_the_public_scheduled_action(self):
        """Run as Odoo's scheduler runs it: the scheduled action computes a due segment."""
        cron = self.env.ref("partner_segmentation.ir_cron_segment_recompute")
        due = self.make_segment("[('city', '=', 'Lille')]", name="Due for the cron")
        cron.method_direct_trigger()
        self.assertEqual(self.members(due), self.lille)
        self.assertTrue(due.last_computed_at)

    def test_cron_recomputes_due_segments_only(self):
        now = fields.Datetime.now()
        never = self.make_segment("[('city', '=', 'Ghent')]", name="Never computed")
        due = self.make_segment("[('city', '=', 'Lille')]", name="Due", refresh_interval=1)
        fresh = self.make_segment("[('city', '=', 'Paris')]", name="Fresh", refresh_interval=24)
        (due | fresh).write({"last_computed_at": now - timedelta(hours=2)})
        self.Segment._cron_recompute()
        self.assertEqual(self.members(never), self.ghent | self.vip)
        self.assertEqual(self.members(due), self.lille)
        self.assertFalse(self.members(fresh), "not due yet: left alone")

    def test_cron_never_touches_static_segments(self):
        static = self.make_segment(
            "[('city', '=', 'Ghent')]", segment_type="static", partner_ids=[(6, 0, self.paris.ids)]
        )
        self.Segment._cron_recompute()
        self.assertEqual(self.members(static), self.paris)
        self.assertEqual(static.member_count, 1)

    def test_cron_computes_used_segments_first(self):
        base = self.make_segment("[('city', '=', 'Ghent')]", name="Base")
        derived = self.make_segment(f"[('segment_ids', 'in', [{base.id}])]", name="Derived")
        self.Segment._cron_recompute()
        self.assertEqual(self.members(derived), self.ghent | self.vip)

    def test_a_segment_follows_the_segments_it_uses_whatever_its_interval(self):
        with freeze_time("2026-03-01 10:00:00"):
            base = self.make_segment("[('city', '=', 'Ghent')]", name="Base")
            base.action_recompute()
        with freeze_time("2026-03-01 10:00:05"):
            derived = self.make_segment(f"[('segment_ids', 'in', [{base.id}])]", name="Derived")
            derived.action_recompute()
        with freeze_time("2026-03-01 11:00:00"):
            base.action_recompute()  # nothing changed: the segment using it is not due
            self.Segment._cron_recompute()
            self.assertEqual(derived.last_computed_at, fields.Datetime.to_datetime("2026-03-01 10:00:05"))
            self.paris.city = "Ghent"
            base.action_recompute()  # a user's recompute: the scheduler follows it up
            self.Segment._cron_recompute()
            self.assertEqual(self.members(derived), self.ghent | self.vip | self.paris)

    def test_members_that_change_wake_the_scheduler_for_the_segments_using_them(self):
        """Not an hour later: the scheduler runs now for the segments using a segment whose
        members changed (recomputed, or edited by hand)."""
        cron = self.env.ref(SCHEDULER_CRONS[0])

        def triggers():  # of each scheduler worker's job
            return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

        base = self.make_segment("[('city', '=', 'Ghent')]", name="Base")
        fair = self.make_segment("", name="Fair", segment_type="static", partner_ids=[(6, 0, self.paris.ids)])
        before = triggers()
        base.action_recompute()
        fair.partner_ids = [(4, self.lille.id)]
        self.assertEqual(triggers(), before, "no segment uses them")
        derived = self.make_segment(f"[('segment_ids', 'in', [{base.id}, {fair.id}])]", name="Derived")
        self.env["ir.cron.trigger"].search([]).unlink()  # its creation woke the scheduler: as that run does
        before = triggers()
        base.action_recompute()
        self.assertEqual(triggers(), before, "nothing changed")
        self.paris.city = "Ghent"
        base.action_recompute()
        self.assertEqual(triggers(), before + 1)
        fair.partner_ids = [(5, 0, 0)]
        self.assertEqual(triggers(), before + 1, "woken already: many edits in a row wake it once")
        self.env["ir.cron.trigger"].search([]).unlink()  # as its run does
        before = triggers()
        fair.partner_ids = [(4, self.ghent.id)]
        self.assertEqual(triggers(), before + 1)
        # a wake-up of a run going on (made before it started) is deleted at its end: one
        # more, of this transaction's own, wakes the scheduler again after it
        self.env["ir.cron.trigger"].search([]).unlink()
        self.env.cr.postcommit.data.clear()  # a new transaction
        cron._trigger(fields.Datetime.now() - timedelta(minutes=1))
        before = triggers()
        fair.partner_ids = [(4, self.lille.id)]
        self.assertEqual(triggers(), before + 1)
        fair.partner_ids = [(5, 0, 0)]
        self.env["ir.cron.trigger"].search([]).unlink()
        self.paris.city = "Paris"
        with freeze_time(fields.Datetime.now() + timedelta(days=2)):
            base.with_context(cron_id=cron.id)._cron_recompute()  # the scheduler's own run goes on
        self.assertEqual(self.members(base), self.ghent | self.vip)
        self.assertFalse(triggers())
        self.assertEqual(self.members(derived), self.ghent | self.vip, "computed in the same run")

    def test_a_segment_follows_hand_edits_of_the_static_segment_it_uses(self):
        """Partners added or removed by hand, on the segment, from a contact or through the
        wizard, make the segments using the static one due at the scheduler's next run."""
        with freeze_time("2026-03-01 10:00:00"):
            fair = self.make_segment(
                "[('city', '=', 'Ghent')]",
                name="Fair",
                segment_type="static",
                partner_ids=[(6, 0, self.paris.ids)],
            )
            derived = self.make_segment(f"[('segment_ids', 'in', [{fair.id}])]", name="Fair visitors")
            derived.action_recompute()
        with freeze_time("2026-03-01 11:00:00"):
            self.Segment._cron_recompute()
            self.assertEqual(
                derived.last_computed_at,
                fields.Datetime.to_datetime("2026-03-01 10:00:00"),
                "nothing edited: not due",
            )
            fair.partner_ids = [(4, self.lille.id)]
            self.Segment._cron_recompute()
            self.assertEqual(self.members(derived), self.paris | self.lille)
        with freeze_time("2026-03-01 12:00:00"):
            self.paris.static_segment_ids = [(3, fair.id)]
            self.Segment._cron_recompute()
            self.assertEqual(self.members(derived), self.lille)
        with freeze_time("2026-03-01 13:00:00"):
            self.env["res.partner.segment.add.wizard"].with_context(
                active_model="res.partner", active_ids=self.ghent.ids
            ).create({"segment_id": fair.id}).action_apply()
            self.Segment._cron_recompute()
            self.assertEqual(self.members(derived), self.lille | self.ghent)
            self.assertEqual(fair.members_edited_at, fields.Datetime.to_datetime("2026-03-01 13:00:00"))
        with freeze_time("2026-03-01 14:00:00"):  # edits that change nothing are no edits
            (self.lille | self.paris).write({"static_segment_ids": []})
            self.env["res.partner.segment.add.wizard"].with_context(
                active_model="res.partner", active_ids=self.ghent.ids
            ).create({"segment_id": fair.id}).action_apply()
            self.assertEqual(fair.members_edited_at, fields.Datetime.to_datetime("2026-03-01 13:00:00"))
            # two partners at once, one a member already: an edit all the same
            (self.lille | self.paris).write({"static_segment_ids": [(6, 0, fair.ids)]})
            self.assertEqual(fair.members_edited_at, fields.Datetime.to_datetime("2026-03-01 14:00:00"))
        with self.assertRaises(AccessError):  # when a shared segment gained a member the reader may not read
            fair.with_user(self.manager_a).read(["members_edited_at"])

    def test_an_edit_during_the_computation_of_a_segment_using_it_makes_it_due(self):
        fair = self.make_segment("", name="Fair", segment_type="static", partner_ids=[(6, 0, self.paris.ids)])
        derived = self.make_segment(f"[('segment_ids', 'in', [{fair.id}])]", name="Fair visitors")
        derived.action_recompute()
        derived.write({"last_computed_at": "2026-03-01 10:00:10", "last_duration": 20.0})  # from 09:59:50
        fair.sudo().members_edited_at = "2026-03-01 09:59:55"  # committed meanwhile
        with freeze_time("2026-03-01 10:30:00"):
            self.assertIn(derived, self.Segment._due_for_scheduler())

    def test_a_segment_of_a_stage_segment_follows_the_lifecycle_in_the_same_run(self):
        leads = self.make_segment("[('lifecycle_stage', '=', 'lead')]", name="Leads")
        leads_in_ghent = self.make_segment(
            f"[('segment_ids', 'in', [{leads.id}]), ('city', '=', 'Ghent')]", name="Leads in Ghent"
        )
        self.company_a.action_recompute_lifecycle(full=True)
        self.Segment._cron_recompute()
        self.assertFalse(self.members(leads_in_ghent))
        self.env["crm.lead"].create(
            {
                "name": "Ghent opp",
                "type": "opportunity",
                "partner_id": self.ghent.id,
                "company_id": self.company_a.id,
            }
        )
        self.company_a.action_recompute_lifecycle()
        self.Segment._cron_recompute()
        self.assertIn(self.ghent, self.members(leads))
        self.assertIn(self.ghent, self.members(leads_in_ghent), "recomputed after the segment it uses")

    def test_cron_goes_on_after_a_failing_segment(self):
        failing = self.make_segment("[('city', '=', 'Ghent')]", name="A failing")
        good = self.make_segment("[('city', '=', 'Lille')]", name="B good")
        self.env.cr.execute(
            "UPDATE res_partner_segment SET domain = %s WHERE id = %s", ["[('gone_field', '=', 1)]", failing.id]
        )
        self.env.invalidate_all()
        self.Segment._cron_recompute()
        self.assertTrue(failing.last_error)
        self.assertEqual(self.members(good), self.lille)

    def test_next_recompute_follows_interval(self):
        segment = self.make_segment("[]", refresh_interval=6)
        with freeze_time("2026-03-01 10:00:00"):
            segment.action_recompute()
        self.assertEqual(segment.next_recompute_at, fields.Datetime.to_datetime("2026-03-01 16:00:00"))
        self.assertFalse(self.make_segment("[]", segment_type="static").next_recompute_at)

    def test_cron_reports_progress(self):
        self.make_segment("[('city', '=', 'Ghent')]")
        self.make_segment("[('city', '=', 'Lille')]")
        cron = self.env.ref("partner_segmentation.ir_cron_segment_recompute")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        self.Segment.with_context(ir_cron_progress_id=progress.id)._cron_recompute()
        self.assertGreaterEqual(progress.done, 2)
        self.assertEqual(progress.remaining, 0)

    def test_interrupted_run_resumes_with_the_segments_left(self):
        """A run killed midway (worker timeout, crash) keeps what it finished; the next run
        recomputes only what is still due."""
        first = self.make_segment("[('city', '=', 'Ghent')]", name="First done")
        second = self.make_segment("[('city', '=', 'Lille')]", name="Second interrupted")
        original = type(self.Segment)._recompute_one
        calls = []

        def crash_on_second(segment):
            calls.append(segment.id)
            if len(calls) == 2:
                raise KeyboardInterrupt("worker killed")
            return original(segment)

        # not assertRaises: Odoo's rolls its block back, a killed worker keeps its commits
        interrupted = False
        with patch.object(type(self.Segment), "_recompute_one", crash_on_second):
            try:
                self.Segment._cron_recompute()
            except KeyboardInterrupt:
                interrupted = True
        self.assertTrue(interrupted)
        done = self.Segment.browse(calls[0])
        left = (first | second) - done
        self.assertEqual(len(calls), 2)
        self.assertTrue(done.last_computed_at)
        self.assertFalse(left.last_computed_at)
        recomputed = []
        with patch.object(
            type(self.Segment),
            "_recompute_one",
            lambda segment: recomputed.append(segment.id) or original(segment),
        ):
            self.Segment._cron_recompute()
        self.assertEqual(recomputed, left.ids, "only the segment left undone is recomputed")
        self.assertTrue(self.members(left))


@tagged("post_install", "-at_install")
class TestSchedulerWorkers(TransactionCase):
    """Two scheduler workers at once, as two Odoo cron threads or servers run them: real
    connections on segments committed for the test (and removed after it)."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            Segment = api.Environment(cr, SUPERUSER_ID, {})["res.partner.segment"]
            base = Segment.create({"name": "Workers base", "domain": "[('name', '=like', 'Workers %')]"})
            derived = Segment.create(
                {"name": "Workers derived", "domain": f"[('segment_ids', 'in', [{base.id}])]"}
            )
            free = Segment.create({"name": "Workers free", "domain": "[('name', '=like', 'Workers %')]"})
            # feeds one mailing list with the base: its sync stamps both
            mate = Segment.create({"name": "Workers list mate", "domain": "[('name', '=like', 'Workers %')]"})
            self.list_id = Segment.env["mailing.list"].create({"name": "Workers list"}).id
            (base | mate).write({"mailing_list_ids": [(4, self.list_id)]})
            self.ids = {"base": base.id, "derived": derived.id, "free": free.id, "mate": mate.id}
            cr.execute(
                "UPDATE res_partner_segment SET last_computed_at = NULL, recompute_requested_at = NULL,"
                " next_recompute_at = now() at time zone 'utc' - interval '1 hour' WHERE id IN %s",
                [tuple(self.ids.values())],
            )
        self.addCleanup(self.remove_segments)

    def remove_segments(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["res.partner.segment"].browse(self.ids.values()).unlink()
            env["mailing.list"].browse(self.list_id).unlink()

    def computed(self, cr):
        cr.execute(
            "SELECT name->>'en_US' n FROM res_partner_segment WHERE id IN %s AND last_computed_at IS NOT NULL ORDER BY n",
            [tuple(self.ids.values())],
        )
        return [name for (name,) in cr.fetchall()]

    def test_a_worker_takes_what_no_other_worker_has_without_waiting(self):
        with self.registry.cursor() as worker_one, self.registry.cursor() as worker_two:
            # worker one is computing the base segment
            worker_one.execute("SELECT pg_advisory_xact_lock(%s, %s)", [RECOMPUTE_LOCK, self.ids["base"]])
            worker_two.execute("SET LOCAL statement_timeout = '10s'")  # waiting would fail the test
            api.Environment(worker_two, SUPERUSER_ID, {})["res.partner.segment"]._cron_recompute()
            self.assertEqual(
                self.computed(worker_two),
                ["Workers free"],
                "the base is another worker's; the derived one reads the base, the mate shares its "
                "list: that worker does them next",
            )
            worker_two.rollback()
            worker_one.rollback()  # worker one is gone: the next run takes both, base first
            api.Environment(worker_two, SUPERUSER_ID, {})["res.partner.segment"]._cron_recompute()
            self.assertEqual(
                self.computed(worker_two), ["Workers base", "Workers derived", "Workers free", "Workers list mate"]
            )

    def test_each_worker_has_its_scheduled_action(self):
        crons = [self.env.ref(xmlid) for xmlid in SCHEDULER_CRONS]
        self.assertEqual(len(set(crons)), 2)
        self.assertEqual({cron.code for cron in crons}, {"model._cron_recompute()"})
        self.assertTrue(all(cron.active for cron in crons))
