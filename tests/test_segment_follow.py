from odoo.tests import tagged

from .common import SegmentCase

CRON = "partner_segmentation.ir_cron_segment_recompute"


@tagged("post_install", "-at_install")
class TestMembersFollowSavedConditions(SegmentCase):
    """Saving conditions brings the members up to date: at once for a small segment, by
    the scheduler woken now for a large one; never the old members under new conditions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("partner_segmentation.recompute_on_save_limit", False)  # default

    def triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.env.ref(CRON).id)])

    def test_a_new_segment_has_its_members_at_once(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]").with_user(self.manager_a)
        self.assertEqual(self.members(segment), self.ghent | self.vip)
        self.assertEqual(segment.member_count, 2)
        self.assertTrue(segment.last_computed_at)

    def test_edited_conditions_bring_the_members_along(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]").with_user(self.manager_a)
        segment.domain = "[('city', 'in', ['Lille', 'Paris'])]"
        self.assertEqual(self.members(segment), self.lille | self.paris)
        self.assertEqual(segment.member_count, 2)
        self.assertFalse(segment.recompute_requested_at)
        segment.exclude_partner_ids = self.paris
        self.assertEqual(self.members(segment), self.lille, "exceptions are conditions too")

    def test_a_large_segment_is_left_to_the_scheduler_woken_now(self):
        self.env["ir.config_parameter"].set_param("partner_segmentation.recompute_on_save_limit", "0")
        segment = self.make_segment("[('city', '=', 'Ghent')]")
        self.triggers().unlink()  # its creation woke the scheduler: as that run does
        before = len(self.triggers())
        segment.with_user(self.manager_a).domain = "[('city', '=', 'Lille')]"
        self.assertFalse(self.members(segment), "not computed while saving")
        self.assertTrue(segment.recompute_requested_at, "the form says a recompute is pending")
        self.assertEqual(segment.next_recompute_at, segment.recompute_requested_at, "due now")
        self.assertEqual(len(self.triggers()), before + 1, "the scheduler's job is triggered now")
        self.Segment._cron_recompute()
        self.assertEqual(self.members(segment), self.lille)
        self.assertFalse(segment.recompute_requested_at)

    def test_unarchiving_a_segment_computes_it(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]", active=False)
        self.assertFalse(self.members(segment))
        segment.action_unarchive()
        self.assertEqual(self.members(segment), self.ghent | self.vip)

    def test_renaming_does_not_recompute(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]")
        computed = segment.last_computed_at
        self.paris.city = "Ghent"
        segment.name = "Ghent customers"
        self.assertEqual(segment.last_computed_at, computed)
        self.assertNotIn(self.paris, self.members(segment))

    def test_lifecycle_recompute_wakes_the_segments_reading_stages_and_figures(self):
        on_stage = self.make_segment("[('lifecycle_stage', '=', 'new')]")
        on_figure = self.make_segment("[('days_since_last_purchase', '<', 10)]")
        on_city = self.make_segment("[('city', '=', 'Ghent')]")
        self.confirmed_order(self.lille, "2026-01-01")
        before = len(self.triggers())
        self.company_a.action_recompute_lifecycle()
        self.assertTrue(on_stage.recompute_requested_at)
        self.assertTrue(on_figure.recompute_requested_at)
        self.assertFalse(on_city.recompute_requested_at)
        self.assertGreater(len(self.triggers()), before)
        self.Segment._cron_recompute()
        self.assertFalse(on_stage.recompute_requested_at)
