from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SegmentCase


@tagged("post_install", "-at_install")
class TestSegmentFreeze(SegmentCase):
    """``action_freeze``: today's members as a static segment that no longer follows."""

    def test_freeze_copies_todays_members_into_a_static_segment_named_with_the_date(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]", name="Ghent buyers", company_id=self.company_a.id)
        segment.action_recompute()
        with freeze_time("2026-11-26 10:00:00"):
            action = segment.with_user(self.manager_a).action_freeze()
        frozen = self.Segment.browse(action["res_id"])
        self.assertEqual(frozen.name, "Ghent buyers — 11/26/2026", "the date as the user reads dates")
        self.assertEqual(frozen.description, "Members of “Ghent buyers” on 11/26/2026.")
        self.assertEqual((frozen.segment_type, frozen.company_id), ("static", self.company_a))
        self.assertEqual(self.members(frozen), self.ghent | self.vip)
        self.assertEqual(frozen.member_count, 2)
        self.lille.city = "Ghent"
        self.vip.city = "Paris"
        segment.action_recompute()
        self.assertEqual(self.members(segment), self.ghent | self.lille, "the source follows its conditions")
        self.assertEqual(self.members(frozen), self.ghent | self.vip, "the snapshot does not")
        self.env["res.partner.segment"]._cron_recompute()
        self.assertEqual(self.members(frozen), self.ghent | self.vip, "nor does the scheduler change it")

    def test_the_frozen_copy_is_named_with_the_date_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        segment = self.make_segment("[('city', '=', 'Ghent')]", name="Gand", company_id=self.company_a.id)
        segment.action_recompute()
        with freeze_time("2026-11-26 10:00:00"):
            # the web client sends the user's language in the context of each call
            action = segment.with_user(self.manager_a).with_context(lang="fr_FR").action_freeze()
        self.assertEqual(self.Segment.browse(action["res_id"]).name, "Gand — 26/11/2026")

    def test_freeze_refuses_an_empty_failed_or_pending_segment_and_creates_nothing(self):
        empty = self.make_segment("[('city', '=', 'Nowhere')]", name="Empty")
        empty.action_recompute()
        failed = self.make_segment("[('city', '=', 'Ghent')]", name="Failed")
        failed.action_recompute()
        failed.sudo().last_error = "column x does not exist"
        pending = self.make_segment("[('city', '=', 'Ghent')]", name="Pending")
        pending.action_recompute()
        pending.sudo().recompute_requested_at = "2026-11-26 10:00:00"
        before = self.Segment.search_count([])
        for segment, reason in ((empty, "no members"), (failed, "failed"), (pending, "pending")):
            with self.assertRaises(UserError) as caught:
                segment.with_user(self.manager_a).action_freeze()
            self.assertIn(reason, str(caught.exception))
        self.assertEqual(self.Segment.search_count([]), before, "nothing stored half-way")

    def test_only_managers_freeze_and_only_what_they_may_read_is_copied(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]", name="Ghent", company_id=self.company_b.id)
        segment.action_recompute()
        with self.assertRaises(AccessError):
            segment.with_user(self.user_b).action_freeze()  # a segmentation user creates no segment
        with self.assertRaises(AccessError):
            segment.with_user(self.manager_a).action_freeze()  # a segment of another company

    def test_a_manager_of_some_companies_freezes_a_shared_segment_into_their_company(self):
        ghent_b = self.Partner.create({"name": "Ghent B", "city": "Ghent", "company_id": self.company_b.id})
        shared = self.make_segment("[('city', '=', 'Ghent')]", name="Ghent everywhere", company_id=False)
        shared.action_recompute()
        self.assertIn(ghent_b, self.members(shared))
        action = shared.with_user(self.manager_a).action_freeze()
        frozen = self.Segment.browse(action["res_id"])
        self.assertEqual(frozen.company_id, self.company_a, "a user of some companies makes no shared segment")
        self.assertEqual(self.members(frozen), self.ghent | self.vip, "the members readable in that company")
        self.assertEqual(frozen.member_count, 2)
        # a user of every company keeps the copy shared, with every member
        action = shared.action_freeze()
        self.assertFalse(self.Segment.browse(action["res_id"]).company_id)
        self.assertIn(ghent_b, self.members(self.Segment.browse(action["res_id"])))
