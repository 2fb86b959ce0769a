from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import SegmentCase


@tagged("post_install", "-at_install")
class TestStaticSegments(SegmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.static_a = cls.Segment.create(
            {"name": "Fair visitors A", "segment_type": "static", "company_id": cls.company_a.id}
        )
        cls.static_b = cls.Segment.create(
            {"name": "Fair visitors B", "segment_type": "static", "company_id": cls.company_b.id}
        )
        cls.dynamic_b = cls.Segment.create(
            {"name": "Dyn B", "company_id": cls.company_b.id, "domain": "[('city', '=', 'Ghent')]"}
        )
        cls.partner_b = cls.Partner.create({"name": "B customer", "company_id": cls.company_b.id})

    def test_static_segment_is_never_recomputed(self):
        self.static_a.partner_ids = self.paris
        self.static_a.action_recompute()
        self.assertEqual(self.members(self.static_a), self.paris)
        self.assertEqual(self.static_a.member_count, 1)

    def test_archived_members_are_kept_but_counted_as_the_list_shows_them(self):
        """A static segment keeps an archived partner (back when unarchived), but counts
        only the members its list shows: 2 shown beside 1 listed read as a lost member."""
        self.static_a.partner_ids = self.paris | self.lille
        shared = self.Segment.create(
            {"name": "Shared fair", "segment_type": "static", "company_id": False, "partner_ids": self.lille.ids}
        )
        self.lille.active = False
        self.assertEqual((self.static_a.member_count, self.members(self.static_a)), (1, self.paris))
        self.assertEqual(self.static_a.with_user(self.manager_a).visible_member_count, 1)
        self.assertFalse(self.static_a.with_user(self.manager_a)._hiding_members(), "a sync is not refused")
        self.assertEqual(shared.with_user(self.user_b).visible_member_count, 0)
        counted = self.Segment.with_user(self.user_b).search_read([("id", "=", shared.id)], ["member_count"])
        self.assertEqual(counted[0]["member_count"], 0)
        overlap = self.env["res.partner.segment.overlap.wizard"].create(
            {"segment_ids": [(6, 0, (self.static_a | shared).ids)]}
        )
        self.assertIn("1 partners in at least one", overlap.action_compute()["name"])
        self.lille.active = True
        self.assertEqual((self.static_a.member_count, self.members(self.static_a)), (2, self.paris | self.lille))
        self.assertEqual(shared.member_count, 1)

    def test_an_archived_pinned_partner_is_no_member(self):
        dynamic = self.make_segment("[('city', '=', 'Ghent')]", include_partner_ids=self.paris.ids)
        dynamic.action_recompute()
        self.assertEqual(dynamic.member_count, 3)
        self.paris.active = False
        self.assertEqual(dynamic.member_count, 2, "counted as listed at once")
        dynamic.action_recompute()
        self.assertEqual((dynamic.member_count, self.members(dynamic)), (2, self.ghent | self.vip))
        self.paris.active = True
        dynamic.action_recompute()
        self.assertEqual(self.members(dynamic), self.ghent | self.vip | self.paris, "the pin is kept")

    def test_a_static_segment_with_members_does_not_become_dynamic(self):
        """Its hand-picked members would be replaced by what the conditions select."""
        self.static_a.partner_ids = self.ghent | self.paris
        with self.assertRaises(UserError) as caught:
            self.static_a.write({"segment_type": "dynamic", "domain": "[('city', '=', 'Lille')]"})
        self.assertIn("chosen by hand", str(caught.exception))
        self.assertEqual(
            (self.static_a.segment_type, self.members(self.static_a)), ("static", self.ghent | self.paris)
        )
        # emptied first, it may
        self.static_a.partner_ids = False
        self.static_a.write({"segment_type": "dynamic", "domain": "[('city', '=', 'Lille')]"})
        self.static_a.action_recompute()
        self.assertEqual(self.members(self.static_a), self.lille)

    def test_user_sets_static_segment_on_partner_form(self):
        partner = self.partner_b.with_user(self.user_b)
        with Form(partner) as form:
            form.static_segment_ids.add(self.static_b)
        self.assertEqual(self.members(self.static_b), self.partner_b)
        self.assertEqual(self.static_b.member_count, 1)
        partner.write({"static_segment_ids": [(3, self.static_b.id)]})
        self.assertFalse(self.members(self.static_b))
        self.assertEqual(self.static_b.member_count, 0)

    def test_saving_a_contact_answers_with_the_segments_the_user_may_read(self):
        """The save compares the contact's segments before and after, every company's: read
        through the ORM as the superuser, they stayed in the cache the answer is read from."""
        shared = self.ghent  # no company: user B edits it
        self.static_a.partner_ids = shared
        self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_a.id).action_recompute()
        self.env.invalidate_all()
        spec = {"segment_ids": {}, "static_segment_ids": {}, "segment_count": {}}
        saved = shared.with_user(self.user_b).web_save({"static_segment_ids": [(4, self.static_b.id)]}, spec)
        self.assertEqual(
            (saved[0]["segment_ids"], saved[0]["static_segment_ids"], saved[0]["segment_count"]),
            (self.static_b.ids, self.static_b.ids, 1),
        )
        self.assertEqual(self.members(self.static_a), shared, "kept")

    def test_dynamic_segment_cannot_be_set_by_hand_on_partner(self):
        with self.assertRaises(UserError):
            self.partner_b.with_user(self.user_b).write({"static_segment_ids": [(4, self.dynamic_b.id)]})

    def test_other_company_static_segment_is_refused(self):
        with self.assertRaises(AccessError):
            self.partner_b.with_user(self.user_b).write({"static_segment_ids": [(4, self.static_a.id)]})

    def test_partner_created_with_static_segment(self):
        partner = self.Partner.with_user(self.user_b).create(
            {"name": "New B", "static_segment_ids": [(4, self.static_b.id)]}
        )
        self.assertEqual(self.members(self.static_b), partner)
        self.assertEqual(self.static_b.member_count, 1)

    def test_add_to_segment_list_action(self):
        partners = self.ghent | self.lille
        wizard = (
            self.env["res.partner.segment.add.wizard"]
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create({"segment_id": self.static_a.id})
        )
        self.assertEqual(wizard.partner_ids, partners)
        done = wizard.action_apply()
        self.assertEqual(done["tag"], "display_notification", "the user is told what was done")
        self.assertEqual(done["params"]["message"], "Partners added to “Fair visitors A”: 2. Members now: 2.")
        # what changed, not what was selected
        again = wizard.with_context(active_ids=(partners | self.paris).ids).create(
            {"segment_id": self.static_a.id}
        )
        self.assertEqual(
            again.action_apply()["params"]["message"],
            "Partners added to “Fair visitors A”: 1. Already members: 2. Members now: 3.",
        )
        self.assertEqual(self.members(self.static_a), partners | self.paris)
        self.assertEqual(self.static_a.member_count, 3)
        gone = wizard.with_context(active_ids=(self.paris | self.vip).ids).create(
            {"segment_id": self.static_a.id, "operation": "remove"}
        )
        self.assertEqual(
            gone.action_apply()["params"]["message"],
            "Partners removed from “Fair visitors A”: 1. Not members: 1. Members now: 2.",
        )

    def test_add_to_segment_refuses_dynamic(self):
        wizard = self.env["res.partner.segment.add.wizard"].create(
            {"segment_id": self.dynamic_b.id, "partner_ids": [(6, 0, self.ghent.ids)]}
        )
        with self.assertRaises(UserError):
            wizard.action_apply()

    def test_add_to_segment_as_user_of_other_company_is_refused(self):
        wizard = (
            self.env["res.partner.segment.add.wizard"]
            .with_user(self.user_b)
            .create({"segment_id": self.static_b.id, "partner_ids": [(6, 0, self.partner_b.ids)]})
        )
        wizard.action_apply()
        self.assertEqual(self.members(self.static_b), self.partner_b)
        with self.assertRaises(AccessError):  # refused as soon as the segment is chosen
            self.env["res.partner.segment.add.wizard"].with_user(self.user_b).create(
                {"partner_ids": [(6, 0, self.partner_b.ids)], "segment_id": self.static_a.id}
            )

    def test_fill_static_once_from_domain(self):
        self.static_a.domain = "[('city', '=', 'Ghent'), ('name', 'like', 'Seg')]"
        done = self.static_a.action_fill_from_domain()
        self.assertEqual(done["params"]["message"], "Partners added to “Fair visitors A”: 2. Members now: 2.")
        self.assertEqual(self.members(self.static_a), self.ghent | self.vip)
        self.ghent.city = "Bruges"
        self.static_a.action_recompute()
        self.assertIn(self.ghent, self.members(self.static_a), "static: kept as filled")

    def test_fill_from_empty_conditions_is_refused(self):
        for empty in (False, "[]"):
            self.static_a.domain = empty
            with self.assertRaises(UserError) as caught:
                self.static_a.action_fill_from_domain()
            self.assertIn("every partner", str(caught.exception))
        self.assertFalse(self.members(self.static_a))

    def test_fill_from_domain_refused_on_dynamic(self):
        with self.assertRaises(UserError):
            self.dynamic_b.action_fill_from_domain()

    def test_remove_from_segment_list_action(self):
        self.static_a.partner_ids = self.ghent | self.lille | self.paris
        wizard = (
            self.env["res.partner.segment.add.wizard"]
            .with_context(
                default_operation="remove", active_model="res.partner", active_ids=(self.ghent | self.vip).ids
            )
            .create({"segment_id": self.static_a.id})
        )
        wizard.action_apply()
        self.assertEqual(self.members(self.static_a), self.lille | self.paris)
        self.assertEqual(self.static_a.member_count, 2)

    def test_members_list_opened_from_static_segment_prefills_it(self):
        action = self.static_a.action_view_members()
        self.assertEqual(action["context"]["default_segment_id"], self.static_a.id)
        partner = self.Partner.with_context(**action["context"]).create({"name": "From list"})
        self.assertEqual(self.members(self.static_a), partner)
