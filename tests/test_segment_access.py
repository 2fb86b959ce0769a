"""Issue 10: nobody learns, through any door of the addon, what they may not read.

Each test is one finding of the red team, run as the user who attacks: a portal user, a
segmentation user or manager of company B only, against company A's private partner."""

import io
import tracemalloc
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.sql_db import db_connect
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..engine import insights
from ..models.res_partner_segment import LIST_LOCK, MAX_SEGMENT_CHAIN, RECOMPUTE_LOCK
from .common import SegmentCase, migration


class AccessCase(SegmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_b = new_test_user(
            cls.env,
            login="seg_manager_b",
            company_id=cls.company_b.id,
            company_ids=cls.company_b.ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "mass_mailing.group_mass_mailing_user,"
            "partner_segmentation.group_segment_manager",
        )
        cls.portal = new_test_user(cls.env, login="seg_portal", groups="base.group_portal")
        cls.env.ref("partner_segmentation.group_segment_user").users |= cls.user_b
        cls.env.ref("mass_mailing.group_mass_mailing_user").users |= cls.user_b
        # company A's private partner, and company A's order on a shared partner
        cls.secret = cls.Partner.create(
            {
                "name": "Alice Secret",
                "email": "alice@secret.example",
                "phone": "+32 9 000 00 00",
                "comment": "private note",
                "company_id": cls.company_a.id,
                "city": "Ghent",
            }
        )
        cls.order_a = cls.confirmed_order(cls, cls.ghent, "2026-01-15")
        cls.order_a.write({"name": "SO-A-SECRET", "user_id": False})  # any salesman of A
        # a segment shared with all companies, built by the superuser over every company
        cls.global_segment = cls.Segment.create(
            {"name": "Ghent everywhere", "company_id": False, "domain": "[('city', '=', 'Ghent')]"}
        )
        cls.global_segment.action_recompute()

    def user_of_both(self, login, group):
        """A user of companies A and B (B first), in ``group``."""
        return new_test_user(
            self.env,
            login=login,
            company_id=self.company_b.id,
            company_ids=(self.company_a | self.company_b).ids,
            groups=f"base.group_user,{group}",
        )

    def count_as(self, user, domain, company=False):
        segment = self.Segment.with_user(user).new({"name": "probe", "domain": domain, "company_id": company})
        return segment.domain_match_count

    def static(self, name, company, partners):
        return self.Segment.create(
            {"name": name, "segment_type": "static", "company_id": company.id, "partner_ids": partners.ids}
        )

    def emails(self, mlist):
        mlist.invalidate_recordset()
        return sorted(mlist.subscription_ids.contact_id.mapped("email_normalized"))

    def sync_as_manager_b(self, segments, mlist):
        """A sync from the push wizard by company B's manager: the removals its preview counted."""
        wizard = (
            self.env["res.partner.segment.mailing.wizard"]
            .with_user(self.manager_b)
            .create({"segment_ids": [(6, 0, segments.ids)], "mailing_list_id": mlist.id, "mode": "sync"})
        )
        count = wizard.count_remove
        wizard.action_apply()
        return count


@tagged("post_install", "-at_install")
class TestLiveCount(AccessCase):
    """Findings 1 and 2: the live count while editing conditions."""

    def test_portal_user_gets_no_count(self):
        domain = f"[('id', '=', {self.secret.id}), ('email', '=like', 'al%')]"
        self.assertEqual(self.count_as(self.env.user, domain), 1, "the oracle exists")
        self.assertEqual(self.count_as(self.portal, domain), 0)

    def test_count_is_what_the_user_may_read(self):
        on_secret = f"[('id', '=', {self.secret.id}), ('email', '=like', 'al%')]"
        self.assertEqual(self.count_as(self.user_b, on_secret), 0)
        on_shared = f"[('id', '=', {self.ghent.id}), ('email', '=like', 'gh%')]"
        self.assertEqual(self.count_as(self.user_b, on_shared), 1)

    def test_count_through_another_company_orders_is_empty(self):
        domain = f"[('id', '=', {self.ghent.id}), ('sale_order_ids.amount_untaxed', '>', 1)]"
        self.assertEqual(self.count_as(self.manager_a, domain), 1)
        self.assertEqual(self.count_as(self.user_b, domain), 0)

    def test_count_on_a_field_restricted_by_groups_is_empty(self):
        self.ghent.signup_type = "signup"
        domain = f"[('id', '=', {self.ghent.id}), ('signup_type', '=', 'signup')]"
        self.assertEqual(self.count_as(self.env.user, domain), 1)
        self.assertEqual(self.count_as(self.user_b, domain), 0)
        admin = self.env.ref("base.partner_admin")
        on_groups = f"[('id', '=', {admin.id}), ('user_ids.groups_id.name', '!=', False)]"
        self.assertEqual(self.count_as(self.env.user, on_groups), 1)
        self.assertEqual(self.count_as(self.portal, on_groups), 0)

    def test_count_through_onchange_as_segmentation_user(self):
        result = self.Segment.with_user(self.manager_b).onchange(
            {"name": "x", "company_id": False, "domain": f"[('id', 'in', [{self.secret.id}, {self.ghent.id}])]"},
            ["domain"],
            {"name": {}, "company_id": {}, "domain": {}, "domain_match_count": {}},
        )
        self.assertEqual(result["value"]["domain_match_count"], 1)

    def test_value_that_grows_without_bound_is_refused(self):
        bomb = "[('name', '=', 'a'" + ".replace('a', 'aaaaaaaaaa')" * 9 + ")]"
        tracemalloc.start()
        try:
            self.assertEqual(self.count_as(self.manager_a, bomb), 0)
            with self.assertRaises(ValidationError) as caught:
                self.make_segment(bomb)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertIn("only applies to a date", str(caught.exception))
        self.assertLess(peak, 50 * 1024 * 1024)
        with self.assertRaises(ValidationError) as caught:
            self.make_segment("[('name', 'in', [" + "'x', " * 5000 + "])]")
        self.assertIn("characters long", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.make_segment("[('name', '=', '" + "a" * 1500 + "')]")
        self.assertIn("too long", str(caught.exception))
        first_of_month = self.make_segment("[('create_date', '>=', context_today().replace(day=1))]")
        self.assertTrue(first_of_month.domain)

    def test_a_family_is_named_by_ids_not_by_a_name(self):
        """``child_of`` a name looked up every partner of that name, then each one's whole
        family, into one list as long as the database (found by a security review)."""
        company = self.Partner.create({"name": "Family Co", "is_company": True})
        contact = self.Partner.create({"name": "Family contact", "parent_id": company.id})
        for text in ("[('id', 'child_of', 'Family')]", "[('id', 'parent_of', ['Family contact'])]"):
            segment = self.Segment.with_user(self.manager_a).new({"name": "probe", "domain": text})
            self.assertEqual(segment.domain_match_count, 0)
            self.assertIn("by their id", segment.domain_match_error)
            with self.assertRaises(ValidationError):
                self.make_segment(text)
        self.assertEqual(self.count_as(self.manager_a, f"[('id', 'child_of', {company.id})]"), 2)
        self.assertEqual(self.count_as(self.manager_a, f"[('id', 'parent_of', [{contact.id}])]"), 2)


@tagged("post_install", "-at_install")
class TestConditionsAsTheWriter(AccessCase):
    """Finding 5: conditions are checked as the user who writes them; a company's segment
    is computed as that company sees it, through every relation."""

    def test_field_restricted_by_groups_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.Segment.with_user(self.manager_b).create(
                {"name": "Signups", "domain": "[('signup_type', '=', 'signup')]"}
            )
        self.assertIn("signup_type", str(caught.exception))

    def test_company_segment_does_not_see_another_company_orders(self):
        segment = self.Segment.with_user(self.manager_b).create(
            {"name": "Bought anything", "domain": "[('sale_order_ids.amount_untaxed', '>', 1)]"}
        )
        self.assertEqual(segment.company_id, self.company_b)
        self.Segment.browse(segment.id)._cron_recompute()
        self.assertNotIn(self.ghent, self.members(segment))
        # an order its author may read (no salesperson: any salesman of B)
        self.confirmed_order(self.lille, "2026-01-15", company=self.company_b).user_id = False
        segment.sudo()._recompute_one()
        self.assertEqual(self.members(segment), self.lille)

    def test_only_a_user_of_every_company_defines_a_global_segment(self):
        with self.assertRaises(ValidationError) as caught:
            self.Segment.with_user(self.manager_b).create(
                {"name": "All", "company_id": False, "domain": "[('city', '=', 'Ghent')]"}
            )
        self.assertIn("every company", str(caught.exception))
        both = new_test_user(
            self.env,
            login="seg_manager_ab",
            company_id=self.company_a.id,
            company_ids=(self.company_a | self.company_b).ids,
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        shared = self.Segment.with_user(both).create(
            {"name": "All", "company_id": False, "domain": "[('city', '=', 'Ghent')]"}
        )
        self.assertFalse(shared.company_id)


@tagged("post_install", "-at_install")
class TestStaticAndPush(AccessCase):
    """Findings 6 and 7: hand-made members and pushes to a mailing list."""

    def test_static_segment_refuses_partners_the_manager_may_not_read(self):
        for fname in ("partner_ids", "include_partner_ids", "exclude_partner_ids"):
            with self.assertRaises(AccessError):
                self.Segment.with_user(self.manager_b).create(
                    {"name": "Stolen", "segment_type": "static", fname: [(6, 0, [self.secret.id])]}
                )
        segment = self.Segment.with_user(self.manager_b).create(
            {"name": "Mine", "segment_type": "static", "partner_ids": [(4, self.ghent.id)]}
        )
        with self.assertRaises(AccessError):
            segment.write({"partner_ids": [(4, self.secret.id)]})
        self.assertEqual(segment.member_count, 1)

    def test_push_sends_only_partners_the_user_may_read(self):
        self.assertIn(self.secret, self.members(self.global_segment))
        wizard = (
            self.env["res.partner.segment.mailing.wizard"]
            .with_user(self.user_b)
            .create({"segment_ids": [(6, 0, self.global_segment.ids)], "new_list_name": "B list"})
        )
        wizard.action_apply()
        contacts = wizard.mailing_list_id.sudo().contact_ids
        self.assertIn("ghent@example.com", contacts.mapped("email_normalized"))
        self.assertNotIn("alice@secret.example", contacts.mapped("email_normalized"))

    def test_overlap_counts_only_partners_the_user_may_read(self):
        Overlap = self.env["res.partner.segment.overlap.wizard"]
        size = len(self.members(self.global_segment))
        for user, expected in ((self.env.user, size), (self.user_b, size - 1)):
            overlap = Overlap.with_user(user).create({"segment_ids": [(6, 0, self.global_segment.ids)]})
            overlap.action_compute()
            self.assertEqual(overlap.line_ids.shared_count, expected)

    def test_two_pushes_into_one_list_at_once(self):
        mlist = self.env["mailing.list"].create({"name": "Busy list"})
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", [LIST_LOCK, mlist.id])
            try:
                with self.assertRaises(UserError) as caught:
                    self.global_segment._push_to_list(mlist, "add")
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", [LIST_LOCK, mlist.id])
        self.assertIn("being filled", str(caught.exception))
        self.global_segment._push_to_list(mlist, "add")
        self.assertTrue(mlist.contact_ids)


@tagged("post_install", "-at_install")
class TestExplanation(AccessCase):
    """Finding 4: "Why?" shows only partners and values the user may read."""

    def explain(self, user, segment, partner):
        return (
            self.env["res.partner.segment.explain.wizard"]
            .with_user(user)
            .create({"segment_id": segment.id, "partner_id": partner.id})
        )

    def test_partner_the_user_may_not_read_is_refused(self):
        self.assertTrue(self.explain(self.manager_a, self.global_segment, self.secret).is_member)
        with self.assertRaises(AccessError):
            self.explain(self.user_b, self.global_segment, self.secret)

    def test_another_company_orders_are_not_shown(self):
        segment = self.Segment.create(
            {
                "name": "Buyers",
                "company_id": False,
                "domain": "[('sale_order_ids.name', '!=', False), ('city', '=', 'Ghent')]",
            }
        )
        shown_to_a = self.explain(self.manager_a, segment, self.ghent).line_ids[0]
        self.assertIn("SO-A-SECRET", shown_to_a.partner_value)
        shown_to_b = self.explain(self.user_b, segment, self.ghent).line_ids[0]
        self.assertNotIn("SO-A-SECRET", shown_to_b.partner_value)
        self.assertFalse(shown_to_b.met)

    def test_a_condition_on_orders_is_met_by_the_orders_the_user_may_read(self):
        """Odoo answers "has orders" without the orders' rules: the tick stood beside
        "(none)" (company A's order of a shared customer, for a user of company B)."""
        segment = self.Segment.create(
            {"name": "Has orders", "company_id": False, "domain": "[('sale_order_ids', '!=', False)]"}
        )
        line = self.explain(self.user_b, segment, self.ghent).line_ids
        self.assertEqual((line.met, line.partner_value), (False, "(none)"))
        self.env.invalidate_all()  # the set-up's cache predates the order
        line = self.explain(self.manager_a, segment, self.ghent).line_ids
        self.assertTrue(line.met)
        self.assertIn("SO-A-SECRET", line.partner_value)

    def test_orders_named_by_id_or_is_set_go_through_their_rules(self):
        """Odoo resolves ``('sale_order_ids', 'in', [id])`` and "is set" without the orders'
        record rules: a user of company B could go through order ids and learn which shared
        partners are company A's customers, and for which order."""
        self.ghent.parent_id = self.Partner.create({"name": "Ghent group"})  # shared, as Ghent
        for domain in (
            f"[('sale_order_ids', 'in', [{self.order_a.id}])]",
            f"[('sale_order_ids', '=', {self.order_a.id})]",
            f"[('sale_order_ids', '!=', False), ('id', '=', {self.ghent.id})]",
            f"['!', ('sale_order_ids', '=', False), ('id', '=', {self.ghent.id})]",
            "[('child_ids', 'any', [('name', '=', 'Ghent Seg'), ('sale_order_ids', '!=', False)])]",
        ):
            with self.subTest(domain=domain):
                self.assertEqual(self.count_as(self.manager_b, domain, self.company_b.id), 0)
        self.assertEqual(
            self.count_as(self.manager_a, f"[('sale_order_ids', 'in', [{self.order_a.id}])]", self.company_a.id), 1
        )
        self.assertEqual(
            self.count_as(
                self.manager_a,
                "[('child_ids', 'any', [('name', '=', 'Ghent Seg'), ('sale_order_ids', '!=', False)])]",
                self.company_a.id,
            ),
            1,
            "the group of a customer of A, for A",
        )
        self.assertEqual(
            self.count_as(
                self.manager_b,
                f"[('sale_order_ids', 'not in', [{self.order_a.id}]), ('id', '=', {self.ghent.id})]",
                self.company_b.id,
            ),
            1,
            "no order of A among those B reads",
        )
        probe = self.Segment.with_user(self.manager_b).create(
            {
                "name": "Probe",
                "company_id": self.company_b.id,
                "domain": f"[('sale_order_ids', 'in', [{self.order_a.id}])]",
            }
        )
        probe.action_recompute()
        self.assertFalse(self.members(probe))
        # the system's segment of company B: as company B sees its data
        system = self.Segment.create(
            {"name": "B buyers", "company_id": self.company_b.id, "domain": "[('sale_order_ids', '!=', False)]"}
        )
        system.action_recompute()
        self.assertNotIn(self.ghent, self.members(system))

    def test_conditions_on_orders_a_plain_user_may_not_read_are_named(self):
        """Not Odoo's generic access error: which condition the user may not read."""
        plain = new_test_user(
            self.env,
            login="seg_plain_why",
            company_id=self.company_a.id,
            company_ids=self.company_a.ids,
            groups="base.group_user,partner_segmentation.group_segment_user",
        )
        for domain in (
            "[('sale_order_ids', 'any', [('amount_total', '>', 10)])]",
            "[('sale_order_ids.name', '!=', False)]",
            "[('sale_order_ids', '!=', False)]",  # reads the orders too: Odoo's raw access error
            "[('purchase_count', '>', 1)]",
        ):
            segment = self.Segment.create({"name": "Buyers", "company_id": self.company_a.id, "domain": domain})
            with self.subTest(domain=domain):
                explained = self.explain(plain, segment, self.ghent)
                self.assertIn("You cannot see why partners are in segment “Buyers”", explained.verdict)
                self.assertFalse(explained.line_ids)

    def test_field_the_user_may_not_read_is_refused(self):
        segment = self.Segment.create(
            {"name": "Signup", "company_id": False, "domain": "[('signup_type', '=', 'signup')]"}
        )
        self.assertIn("signup_type", self.explain(self.user_b, segment, self.ghent).verdict)


@tagged("post_install", "-at_install")
class TestEventsAndCounts(AccessCase):
    """Finding 14: entries/exits, merges and deletions."""

    def test_entries_of_partners_the_user_may_not_read_are_hidden(self):
        self.secret.city = "Lille"
        self.global_segment.action_recompute()
        Event = self.env["res.partner.segment.event"]
        self.assertTrue(Event.search([("partner_id", "=", self.secret.id)]))
        self.assertFalse(Event.with_user(self.user_b).search([("partner_id", "=", self.secret.id)]))
        self.assertFalse(
            Event.with_user(self.user_b).search([("segment_id", "=", self.global_segment.id)]).partner_id
            & self.secret
        )

    def test_counts_and_history_of_a_shared_segment_as_a_user_of_one_company(self):
        members = self.members(self.global_segment)
        self.assertIn(self.secret, members)
        readable = members.with_user(self.user_b)._filtered_access("read")
        self.assertNotIn(self.secret, readable)
        self.assertEqual(self.global_segment.visible_member_count, len(members))
        as_b = self.global_segment.with_user(self.user_b)
        self.assertEqual(as_b.visible_member_count, len(readable))
        History = self.env["res.partner.segment.history"]
        shared = [("segment_id", "=", self.global_segment.id)]
        self.assertTrue(History.search(shared))
        self.assertFalse(History.with_user(self.user_b).search(shared))

    def test_counts_on_the_form_agree_with_the_members_list_in_the_selected_companies(self):
        """One form, one truth: the Members button, the members list and the live count
        agree for a user of every company who works in one of them, and say so."""
        everywhere = new_test_user(
            self.env,
            login="seg_user_everywhere",
            company_id=self.company_b.id,
            company_ids=self.env["res.company"].search([]).ids,
            groups="base.group_user,partner_segmentation.group_segment_user",
        )
        segment = self.global_segment.with_user(everywhere)
        all_of_them = segment.with_context(allowed_company_ids=self.env["res.company"].search([]).ids)
        self.assertFalse(all_of_them.counts_partial)
        self.assertEqual(all_of_them.visible_member_count, len(self.members(self.global_segment)))
        in_b = segment.with_context(allowed_company_ids=self.company_b.ids)
        listed = self.Partner.with_user(everywhere).with_context(allowed_company_ids=self.company_b.ids)
        listed = listed.search_count(in_b.action_view_members()["domain"])
        self.assertTrue(in_b.counts_partial, "the form labels the counts as the user's")
        self.assertEqual(in_b.visible_member_count, listed)
        self.assertEqual(in_b.read(["member_count"])[0]["member_count"], listed)
        self.assertLess(listed, len(self.members(self.global_segment)))
        self.assertEqual(
            in_b.new(origin=in_b).domain_match_count, listed, "the live count is of the same partners"
        )

    def test_merge_leaves_a_partner_excluded_not_both(self):
        twin = self.Partner.create({"name": "Ghent twin", "city": "Ghent"})
        segment = self.make_segment(
            "[('city', '=', 'Ghent')]",
            include_partner_ids=[(4, self.ghent.id)],
            exclude_partner_ids=[(4, twin.id)],
        )
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.ghent | twin).ids, self.ghent, extra_checks=False
        )
        self.env.invalidate_all()
        self.assertFalse(segment.include_partner_ids & segment.exclude_partner_ids)
        self.assertIn(self.ghent, segment.exclude_partner_ids)

    def test_static_count_follows_deleted_partners(self):
        gone = self.Partner.create({"name": "Gone"})
        segment = self.make_segment("[]", segment_type="static", partner_ids=[(6, 0, (gone | self.lille).ids)])
        self.assertEqual(segment.member_count, 2)
        gone.unlink()
        self.assertEqual(segment.member_count, 1)
        self.env.cr.execute(SQL("UPDATE res_partner_segment SET member_count = 7 WHERE id = %s", segment.id))
        self.env.invalidate_all()
        self.Segment._cron_recompute()
        self.assertEqual(segment.member_count, 1, "the scheduler recounts static segments")


@tagged("post_install", "-at_install")
class TestConcurrentRecompute(AccessCase):
    """Finding 12: one recompute of a segment at a time."""

    def test_locked_segment_is_skipped_by_the_scheduler_and_refused_by_the_button(self):
        busy = self.make_segment("[('city', '=', 'Lille')]", name="Busy")
        free = self.make_segment("[('city', '=', 'Paris')]", name="Free")
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", [RECOMPUTE_LOCK, busy.id])
            try:
                with self.assertRaises(UserError) as caught:
                    busy.action_recompute()
                self.Segment._cron_recompute()
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", [RECOMPUTE_LOCK, busy.id])
        self.assertIn("being recomputed", str(caught.exception))
        self.assertFalse(busy.last_computed_at)
        self.assertFalse(self.members(busy))
        self.assertEqual(self.members(free), self.paris)
        busy.action_recompute()
        self.assertEqual(self.members(busy), self.lille)


@tagged("post_install", "-at_install")
class TestExportContent(AccessCase):
    """Finding 13: cells a spreadsheet would run as formulas."""

    def test_formulas_are_neutralised_phone_numbers_kept(self):
        evil = self.Partner.create(
            {
                "name": "=cmd|' /C calc'!A0",
                "email": '=HYPERLINK("x")@example.com',
                "phone": "+375 29 000 00 00",
                "city": "-1+cmd|' /C calc'!A0",
                "zip": "@SUM(1)",
            }
        )
        plus = self.Partner.create(
            {"name": '+1+HYPERLINK("http://evil.test","x")', "phone": "-12 (0) 34", "email": "plus@example.com"}
        )
        segment = self.make_segment("[]", segment_type="static", partner_ids=[(6, 0, (evil | plus).ids)])
        self.env.flush_all()
        for kind in ("members", "audience"):
            stream = io.BytesIO()
            insights.copy_csv(self.env.cr, insights.export_query(segment.id, kind), stream)
            text = stream.getvalue().decode()
            for line in text.splitlines()[1:]:
                for cell in line.split(","):
                    first = cell.lstrip('"')[:1]
                    self.assertFalse(
                        first and first in "=@+-" and not cell.lstrip('"')[1:2].isdigit(), f"{kind}: {cell}"
                    )
        members = io.BytesIO()
        insights.copy_csv(self.env.cr, insights.export_query(segment.id, "members"), members)
        text = members.getvalue().decode()
        self.assertIn("'=cmd|", text)
        self.assertIn("+375 29 000 00 00", text)
        self.assertIn("'-1+cmd", text)
        self.assertIn("'+1+HYPERLINK", text)
        self.assertIn(",-12 (0) 34,", text)


@tagged("post_install", "-at_install")
class TestSchedulerGuards(AccessCase):
    """Findings 8 and 9: bounds and failures in the scheduler."""

    def test_refresh_interval_is_bounded_and_an_overflow_stops_nothing(self):
        with self.assertRaises(ValidationError) as caught:
            self.make_segment("[]", refresh_interval=2_000_000_000)
        self.assertIn("between 1 and", str(caught.exception))
        huge = self.make_segment("[('city', '=', 'Lille')]", name="Huge")
        after = self.make_segment("[('city', '=', 'Paris')]", name="After")
        self.env.cr.execute(
            SQL("UPDATE res_partner_segment SET refresh_interval = 2000000000 " "WHERE id = %s", huge.id)
        )
        self.env.invalidate_all()
        self.Segment._cron_recompute()
        self.assertEqual(self.members(huge), self.lille)
        self.assertEqual(self.members(after), self.paris)
        self.assertTrue(huge.next_recompute_at)

    def test_transient_failure_is_retried_at_the_next_run(self):
        segment = self.make_segment("[('city', '=', 'Lille')]", name="Transient")
        other = self.make_segment("[('city', '=', 'Paris')]", name="Other")
        # a real serialization failure, raised by PostgreSQL inside the recompute
        self.env.cr.execute("""
            CREATE FUNCTION pg_temp.concurrent_update() RETURNS SETOF int AS $$
            BEGIN RAISE EXCEPTION 'could not serialize access due to concurrent update'
                  USING ERRCODE = 'serialization_failure'; END $$ LANGUAGE plpgsql""")
        original = type(segment)._membership_selection

        def failing(self_):
            if self_.id == segment.id:
                return SQL("SELECT pg_temp.concurrent_update() AS id")
            return original(self_)

        with patch.object(type(segment), "_membership_selection", failing), mute_logger("odoo.sql_db"):
            self.Segment._cron_recompute()
        self.assertIn("serialize", segment.last_error)
        self.assertFalse(segment.last_computed_at, "not marked computed: retried next run")
        self.assertEqual(self.members(other), self.paris)
        self.Segment._cron_recompute()
        self.assertFalse(segment.last_error)
        self.assertEqual(self.members(segment), self.lille)


@tagged("post_install", "-at_install")
class TestRedTeamSecondRound(AccessCase):
    """What a second attack on the fix found: each bypass, closed."""

    def test_sub_conditions_written_as_tuples_are_checked_too(self):
        with self.assertRaises(ValidationError) as caught:
            self.Segment.with_user(self.manager_b).create(
                {
                    "name": "Tuple",
                    "domain": "[('commercial_partner_id', 'any', " "(('signup_type', '=', 'signup'),))]",
                }
            )
        self.assertIn("signup_type", str(caught.exception))
        segment = self.make_segment("[('city', '=', 'Ghent')]", name="Tuple loop")
        with self.assertRaises(ValidationError):
            segment.domain = f"[('child_ids', 'any', (('segment_ids', 'in', [{segment.id}]),))]"

    def test_conditions_are_evaluated_with_their_author_rights(self):
        """Company records that a B manager may not read (company A's VAT number, through a
        model with group rules only) do not select members of that manager's segment."""
        self.company_a.vat = "BE0477472701"
        company_a_partner = self.company_a.partner_id
        domain = "[('ref_company_ids', 'any', [('vat', '=like', 'BE0477%')])]"
        by_manager = self.Segment.with_user(self.manager_b).create({"name": "By manager B", "domain": domain})
        self.assertEqual(by_manager.author_id, self.manager_b)
        self.Segment._cron_recompute()
        self.assertFalse(by_manager.last_error)
        self.assertNotIn(company_a_partner, self.members(by_manager))
        self.assertEqual(self.count_as(self.manager_b, domain), 0)

    def test_author_who_lost_the_company_gets_an_error_not_a_computation(self):
        segment = self.Segment.with_user(self.manager_b).create(
            {"name": "Orphan", "domain": "[('city', '=', 'Ghent')]"}
        )
        self.manager_b.write({"company_ids": [(6, 0, self.company_a.ids)], "company_id": self.company_a.id})
        self.Segment._cron_recompute()
        self.assertIn("no longer allowed", segment.last_error)

    def test_lists_are_linked_from_the_segment_only(self):
        mlist = self.env["mailing.list"].with_user(self.manager_b).create({"name": "Mine"})
        with self.assertRaises(UserError):
            mlist.write({"segment_ids": [(4, self.global_segment.id)]})
        with self.assertRaises(UserError):
            self.env["mailing.list"].with_user(self.manager_b).create(
                {"name": "Mine too", "segment_ids": [(4, self.global_segment.id)]}
            )

    def test_searching_partners_by_a_segment_id_the_user_may_not_read(self):
        seg_a = self.make_segment("[('city', '=', 'Ghent')]", name="A's Ghent", company_id=self.company_a.id)
        seg_a.action_recompute()
        Partner = self.Partner.with_user(self.user_b)
        self.assertIn(self.ghent, self.Partner.search([("segment_ids", "in", seg_a.ids)]))
        self.assertFalse(Partner.search([("segment_ids", "in", seg_a.ids)]))
        self.assertFalse(Partner.search([("segment_ids", "=", seg_a.id)]))
        self.assertIn(self.ghent, Partner.search([("segment_ids", "not in", seg_a.ids)]))
        self.assertEqual(self.count_as(self.user_b, f"[('segment_ids', 'in', [{seg_a.id}])]"), 0)

    def test_segment_names_of_another_company_cannot_be_probed(self):
        self.make_segment("[('city', '=', 'Ghent')]", name="A VIP probe", company_id=self.company_a.id)
        # a condition on segment names reads every segment: refused, as using itself, and
        # the refusal names no other segment
        with self.assertRaises(ValidationError) as caught:
            self.Segment.with_user(self.manager_b).create(
                {"name": "Probe", "domain": "[('segment_ids.name', 'ilike', 'A VIP probe')]"}
            )
        self.assertNotIn("A VIP probe", str(caught.exception))

    def test_segments_are_set_on_a_partner_only_through_static_segments(self):
        static_a = self.make_segment("[]", name="A static", segment_type="static", company_id=self.company_a.id)
        partner_b = self.Partner.with_user(self.manager_b).create({"name": "B's"})
        for fname in ("segment_ids", "dynamic_segment_ids"):
            with self.assertRaises(UserError):
                partner_b.write({fname: [(4, static_a.id)]})
        with self.assertRaises(AccessError):
            partner_b.write({"static_segment_ids": [(4, static_a.id)]})
        self.assertFalse(static_a.partner_ids)

    def test_segment_fields_on_partners_are_for_segmentation_users(self):
        plain = new_test_user(
            self.env,
            login="seg_plain_b",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
            groups="base.group_user",
        )
        for user in (self.portal, plain):
            with self.assertRaises(AccessError):
                self.Partner.with_user(user).read_group([], ["segment_ids"], ["segment_ids"])
            with self.assertRaises(AccessError):
                self.ghent.with_user(user).read(["segment_ids"])

    def test_shared_segment_is_changed_only_by_a_user_of_every_company(self):
        as_b = self.global_segment.with_user(self.manager_b)
        for change in ({"name": "Renamed"}, {"active": False}, {"exclude_partner_ids": [(4, self.ghent.id)]}):
            with self.assertRaises(ValidationError):
                as_b.write(change)
        with self.assertRaises(ValidationError):
            as_b.unlink()

    def test_preview_needs_the_list_to_be_readable(self):
        mlist = self.env["mailing.list"].create({"name": "A's list"})
        plain_marketer = new_test_user(
            self.env,
            login="seg_user_no_mailing",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
            groups="base.group_user,partner_segmentation.group_segment_user",
        )
        with self.assertRaises(AccessError):
            self.env["res.partner.segment.mailing.wizard"].with_user(plain_marketer).create(
                {"segment_ids": [(6, 0, self.global_segment.ids)], "mailing_list_id": mlist.id}
            )

    def test_automations_chosen_by_the_system_run_as_the_administrator(self):
        """Never as the superuser; nor as the author of the conditions, who did not choose
        them (``test_join_actions_run_as_the_administrator_who_chose_them``)."""
        action = self.env["ir.actions.server"].create(
            {
                "name": "Mark joiners",
                "model_id": self.env.ref("base.model_res_partner").id,
                "state": "code",
                "code": "records.sudo().write({'comment': 'su=%s uid=%s' % (env.su, env.uid)})",
            }
        )
        segment = self.Segment.with_user(self.manager_a).create(
            {"name": "Lille joiners", "domain": "[('city', '=', 'Lille')]"}
        )
        segment.sudo().on_join_action_id = action
        segment.action_recompute()
        self.paris.city = "Lille"
        self.Segment.browse(segment.id).sudo().action_recompute()
        self.assertEqual(self.paris.comment, f"<p>su=False uid={self.env.ref('base.user_admin').id}</p>")

    def test_conditions_that_are_too_deep_are_refused_cleanly(self):
        self.assertRaisesRegex(
            ValidationError,
            "goes through more than",
            self.make_segment,
            "[('" + "parent_id." * 8 + "name', '=', 'x')]",
        )
        nested = "[('id', '!=', 0)]"
        for _level in range(6):
            nested = f"[('child_ids', 'any', {nested})]"
        self.assertRaisesRegex(ValidationError, "nested more than", self.make_segment, nested)
        self.assertRaisesRegex(ValidationError, "nested", self.make_segment, "[('id', '=', " + "-" * 15000 + "1)]")
        self.assertRaisesRegex(
            ValidationError, "nested", self.make_segment, "[('id', 'in', " + "[" * 150 + "1" + "]" * 150 + ")]"
        )


@tagged("post_install", "-at_install")
class TestRedTeamThirdRound(AccessCase):
    """What a third attack found: each bypass, closed."""

    def test_nobody_writes_the_author_by_hand(self):
        segment = self.Segment.with_user(self.manager_b).create(
            {"name": "Mine", "domain": "[('city', '=', 'Ghent')]"}
        )
        for author in (False, self.env.ref("base.user_admin").id):
            with self.assertRaises(UserError):
                segment.write({"author_id": author})
        with self.assertRaises(UserError):
            self.Segment.with_user(self.manager_b).create(
                {"name": "Other's", "domain": "[]", "author_id": self.env.ref("base.user_admin").id}
            )
        segment.write({"exclude_partner_ids": [(4, self.lille.id)]})
        self.assertEqual(segment.author_id, self.manager_b, "pins make their writer the author")

    def test_segment_ids_by_any_operator_value_or_path(self):
        seg_a = self.make_segment("[('user_ids', '!=', False)]", name="A's users", company_id=self.company_a.id)
        seg_a.action_recompute()
        admin_partner = self.env.ref("base.partner_admin")
        self.assertIn(admin_partner, self.members(seg_a))
        Partner = self.Partner.with_user(self.user_b)
        for domain in (
            [("segment_ids", "in", [float(seg_a.id)])],
            [("user_ids.partner_id.segment_ids", "in", [seg_a.id])],
            [("user_ids", "any", [("partner_id", "any", [("segment_ids", "=", seg_a.id)])])],
            [("child_ids", "any", [("static_segment_ids", "in", seg_a.ids)])],
        ):
            self.assertFalse(Partner.search(domain), domain)
        self.assertIn(admin_partner, self.Partner.search([("user_ids.partner_id.segment_ids", "in", seg_a.ids)]))
        for operator in ("<=", ">=", "like", "=?"):
            with self.assertRaises(ValueError, msg=operator):
                Partner.search([("segment_ids", operator, seg_a.id)])
        with self.assertRaises(ValueError):
            Partner.search([("segment_ids", "in", [seg_a.id + 0.5])])

    def test_pins_and_members_are_readable_in_the_segment_company(self):
        both = self.user_of_both("seg_manager_both", "partner_segmentation.group_segment_manager")
        Segment = self.Segment.with_user(both).with_context(
            allowed_company_ids=(self.company_b | self.company_a).ids
        )
        seg_b = Segment.create({"name": "B", "company_id": self.company_b.id, "domain": "[]"})
        with self.assertRaises(AccessError):
            seg_b.write({"include_partner_ids": [(4, self.secret.id)]})
        with self.assertRaises(AccessError):
            Segment.create(
                {
                    "name": "B static",
                    "company_id": self.company_b.id,
                    "segment_type": "static",
                    "partner_ids": [(4, self.secret.id)],
                }
            )
        seg_a = Segment.create(
            {
                "name": "A static",
                "company_id": self.company_a.id,
                "segment_type": "static",
                "partner_ids": [(4, self.secret.id)],
            }
        )
        with self.assertRaises(UserError):
            seg_a.write({"company_id": self.company_b.id})

    def test_automations_are_actions_on_contacts_never_run_as_superuser(self):
        on_orders = self.env["ir.actions.server"].create(
            {
                "name": "On orders",
                "model_id": self.env.ref("sale.model_sale_order").id,
                "state": "code",
                "code": "pass",
            }
        )
        with self.assertRaises(ValidationError):
            self.make_segment("[]", on_join_action_id=on_orders.id)
        stamp = self.env["ir.actions.server"].create(
            {
                "name": "Stamp",
                "model_id": self.env.ref("base.model_res_partner").id,
                "state": "code",
                "code": "records.sudo().write({'comment': 'su=%s' % env.su})",
            }
        )
        system = self.make_segment("[('city', '=', 'Lille')]", name="System joiners", on_join_action_id=stamp.id)
        self.assertFalse(system.author_id)
        system.action_recompute()
        self.paris.city = "Lille"
        system.action_recompute()
        self.assertEqual(self.paris.comment, "<p>su=False</p>")

    def test_join_actions_run_as_the_administrator_who_chose_them(self):
        """Not as the manager who wrote the conditions since: an administrators-only action
        would fail."""
        admin = new_test_user(
            self.env,
            login="seg_admin_actions",
            company_id=self.company_a.id,
            company_ids=self.company_a.ids,
            groups="base.group_system,sales_team.group_sale_salesman_all_leads,"
            "partner_segmentation.group_segment_manager",
        )
        stamp = self.env["ir.actions.server"].create(
            {
                "name": "Stamp the runner",
                "model_id": self.env.ref("base.model_res_partner").id,
                "state": "code",
                "code": "records.write({'comment': env.user.login})",
            }
        )
        segment = self.Segment.with_user(admin).create(
            {"name": "Lille joiners", "company_id": self.company_a.id, "domain": "[('city', '=', 'Lille')]"}
        )
        segment.with_user(admin).on_join_action_id = stamp
        segment.action_recompute()
        self.assertEqual(segment.actions_user_id, admin)
        segment.with_user(self.manager_a).write({"domain": "[('city', 'in', ['Lille', 'Paris'])]"})
        self.assertEqual(segment.author_id, self.manager_a)
        segment.with_user(self.manager_a).action_recompute()
        self.assertEqual(self.paris.comment, "<p>seg_admin_actions</p>")
        with self.assertRaises(UserError):
            segment.with_user(self.manager_a).write({"actions_user_id": self.manager_a.id})
        for defaults in ({"default_on_join_action_id": stamp.id}, {}):  # given or a default
            with self.subTest(defaults=defaults), self.assertRaises(UserError):
                self.Segment.with_user(self.manager_a).with_context(**defaults).create(
                    {"name": "Joiners", "domain": "[('city', '=', 'Lille')]"}
                    | ({} if defaults else {"on_join_action_id": stamp.id})
                )
        by_default = (
            self.Segment.with_user(admin)
            .with_context(default_on_leave_action_id=stamp.id)
            .create({"name": "Leavers", "company_id": self.company_a.id, "domain": "[('city', '=', 'Lille')]"})
        )
        self.assertEqual(by_default.actions_user_id, admin)
        # chosen before 18.0.1.12.0: run as the author of the conditions, as then
        self.env.cr.execute("UPDATE res_partner_segment SET actions_user_id = NULL WHERE id = %s", [segment.id])
        script = migration("18.0.1.12.0")
        script.migrate(self.env.cr, "18.0.1.11.0")
        self.env.invalidate_all()
        self.assertEqual(segment.actions_user_id, self.manager_a)

    def test_purchase_figures_are_for_sales_users(self):
        plain = new_test_user(self.env, login="seg_plain_figures", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.ghent.with_user(plain).read(["purchase_total"])
        with self.assertRaises(AccessError):
            self.ghent.with_user(plain).read(["lifecycle_stage"])
        self.assertIn("purchase_total", self.ghent.with_user(self.user_b).read(["purchase_total"])[0])
        no_sales = self.Segment.with_user(
            new_test_user(
                self.env,
                login="seg_manager_no_sales",
                groups="base.group_user,partner_segmentation.group_segment_manager",
            )
        )
        with self.assertRaises(ValidationError):
            no_sales.create({"name": "Spenders", "domain": "[('purchase_total', '>', 1000)]"})
        # a relation "is set" reads its records too (which customers have orders)
        for domain in ("[('sale_order_ids', '!=', False)]", "[('opportunity_ids', '=', False)]"):
            with self.subTest(domain=domain), self.assertRaises(ValidationError) as caught:
                no_sales.create({"name": "Buyers", "domain": domain})
            self.assertIn("you may not read", str(caught.exception))

    def test_recompute_is_bounded_in_time(self):
        self.env["ir.config_parameter"].set_param("partner_segmentation.recompute_timeout", "100ms")
        segment = self.make_segment("[('city', '=', 'Lille')]", name="Slow")
        original = type(segment)._membership_selection

        def slow(self_):
            if self_.id == segment.id:
                return SQL("SELECT p.id FROM res_partner p, pg_sleep(1)")
            return original(self_)

        with patch.object(type(segment), "_membership_selection", slow), mute_logger("odoo.sql_db"):
            self.Segment._cron_recompute()
        self.assertIn("statement timeout", segment.last_error)
        self.assertTrue(segment.last_computed_at, "not retried at once: the others get their turn")

    def test_shared_static_segment_is_filled_only_by_a_user_of_every_company(self):
        shared = self.Segment.create(
            {
                "name": "Shared static",
                "company_id": False,
                "segment_type": "static",
                "domain": "[('city', '=', 'Ghent')]",
            }
        )
        with self.assertRaises(ValidationError):
            shared.with_user(self.manager_b).action_fill_from_domain()


@tagged("post_install", "-at_install")
class TestRedTeamFourthRound(AccessCase):
    """What a fourth attack found: each door, closed."""

    def test_wizards_are_their_creator_only(self):
        explain = (
            self.env["res.partner.segment.explain.wizard"]
            .with_user(self.manager_a)
            .create({"segment_id": self.global_segment.id, "partner_id": self.secret.id})
        )
        self.assertTrue(explain.line_ids)
        Line = self.env["res.partner.segment.explain.wizard.line"].with_user(self.user_b)
        self.assertFalse(Line.search([("explain_id", "=", explain.id)]))
        with self.assertRaises(AccessError):
            explain.with_user(self.user_b).read(["verdict"])
        overlap = (
            self.env["res.partner.segment.overlap.wizard"]
            .with_user(self.manager_a)
            .create({"segment_ids": [(6, 0, self.global_segment.ids)]})
        )
        overlap.action_compute()
        self.assertFalse(self.env["res.partner.segment.overlap.wizard.line"].with_user(self.user_b).search([]))

    def test_users_segments_through_their_partner(self):
        seg_a = self.make_segment("[('user_ids', '!=', False)]", name="A users", company_id=self.company_a.id)
        seg_a.action_recompute()
        Users = self.env["res.users"].with_context(active_test=False)
        self.assertTrue(Users.search([("segment_ids", "in", seg_a.ids)]))
        self.assertFalse(Users.with_user(self.user_b).search([("segment_ids", "in", seg_a.ids)]))
        self.assertFalse(Users.with_user(self.user_b).search([("static_segment_ids", "=", seg_a.id)]))
        self.assertFalse(self.Partner.with_user(self.user_b).search([("user_ids.segment_ids", "in", seg_a.ids)]))

    def test_hidden_partners_of_a_shared_segment_cannot_be_probed(self):
        self.global_segment.exclude_partner_ids = self.lille
        as_b = self.Segment.with_user(self.user_b)
        for fname, partner in (("partner_ids", self.secret), ("exclude_partner_ids", self.lille)):
            probe = [("id", "=", self.global_segment.id), (fname, "in", partner.ids)]
            self.assertEqual(self.Segment.search_count(probe), 1, fname)
        self.assertFalse(
            as_b.search_count([("id", "=", self.global_segment.id), ("partner_ids", "in", self.secret.ids)])
        )
        self.assertEqual(
            as_b.search_count([("id", "=", self.global_segment.id), ("partner_ids", "in", self.ghent.ids)]), 1
        )
        shown = self.global_segment.with_user(self.user_b).read(["member_count"])[0]["member_count"]
        self.assertEqual(shown, len(self.members(self.global_segment)) - 1)

    def test_not_in_nothing_is_everyone(self):
        self.assertIn(self.ghent, self.Partner.with_user(self.user_b).search([("segment_ids", "not in", [])]))


@tagged("post_install", "-at_install")
class TestRedTeamFifthRound(AccessCase):
    """Round 5, on the live figures and the recompute on save."""

    def test_salesman_of_own_orders_gets_no_figure_of_colleagues_orders(self):
        own = new_test_user(self.env, login="seg_own_orders", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            self.Partner.with_user(own).search([("purchase_total_365d", ">", 0)])
        with self.assertRaises(AccessError):
            self.env["res.partner.purchase.figures"].with_user(own).search_read([])

    def test_history_and_events_are_written_by_the_recompute_only(self):
        shared = self.make_segment("[('city', '=', 'Ghent')]", name="Shared history")
        shared.action_recompute()
        History = self.env["res.partner.segment.history"].with_user(self.manager_b)
        with self.assertRaises(AccessError):
            History.create({"segment_id": shared.id, "member_count": 99999})
        with self.assertRaises(AccessError):
            shared.history_ids.with_user(self.manager_b).write({"member_count": 42})
        with self.assertRaises(AccessError):
            shared.history_ids.with_user(self.manager_b).unlink()
        with self.assertRaises(AccessError):
            self.env["res.partner.segment.event"].with_user(self.manager_b).create(
                {"segment_id": shared.id, "partner_id": self.secret.id, "kind": "left", "date": "2026-01-01"}
            )

    def test_scheduling_fields_are_not_written_by_hand(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]", name="Scheduled")
        for vals in (
            {"recompute_requested_at": "2099-01-01"},
            {"member_count": 999999},
            {"last_computed_at": "2099-01-01"},
        ):
            with self.assertRaises(UserError, msg=vals):
                segment.with_user(self.manager_a).write(vals)
        with self.assertRaises(UserError):
            self.Segment.with_user(self.manager_a).create({"name": "Faked", "member_count": 5})
        self.assertEqual(segment.member_count, 0)

    def test_uid_in_conditions_is_the_author_whoever_recomputes(self):
        self.lille.user_id = self.manager_a
        segment = self.Segment.with_user(self.manager_a).create(
            {"name": "My customers", "domain": "[('user_id', '=', uid)]"}
        )
        self.Segment._cron_recompute()  # the scheduler runs as the superuser
        self.assertEqual(self.members(segment), self.lille)

    def test_mailing_recipients_by_figures_only_from_users_who_read_them(self):
        marketer = new_test_user(
            self.env,
            login="seg_marketer_no_sales",
            groups="base.group_user,mass_mailing.group_mass_mailing_user",
        )
        Mailing = self.env["mailing.mailing"].with_user(marketer)
        values = {
            "subject": "Big spenders",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
        }
        for domain in (
            "[('purchase_total_365d', '>', 5000)]",
            "[('child_ids', 'any', [('days_since_last_purchase', '<', 30)])]",
        ):
            with self.assertRaises(ValidationError, msg=domain):
                Mailing.create({**values, "mailing_domain": domain})
        Mailing.create({**values, "mailing_domain": "[('city', '=', 'Ghent')]"})
        self.env["mailing.mailing"].with_user(self.manager_b).create(
            {**values, "mailing_domain": "[('purchase_total_365d', '>', 5000)]"}
        )


@tagged("post_install", "-at_install")
class TestRedTeamSixthRound(AccessCase):
    """Round 6, a review of round 5's fixes."""

    def setUp(self):
        super().setUp()
        self.no_figures = new_test_user(
            self.env,
            login="seg_manager_no_figures",
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )

    def test_system_segment_on_figures_is_not_computed_for_a_user_who_may_not_read_them(self):
        vip = self.env["res.partner.segment"].create(
            {"name": "System VIP", "domain": "[('purchase_total_365d', '>', 10000)]", "active": False}
        )
        self.assertFalse(vip.author_id, "a system segment: computed in sudo")
        for trigger in (lambda s: s.action_unarchive(), lambda s: s.action_recompute()):
            with self.assertRaises(UserError):
                trigger(vip.with_user(self.no_figures))
        self.assertFalse(vip.last_computed_at)
        vip.with_user(self.manager_a).action_unarchive()  # a user who reads purchase figures
        vip.with_user(self.manager_a).action_recompute()
        self.assertTrue(vip.last_computed_at)

    def test_mailings_on_orders_or_leads_cannot_select_by_figures_either(self):
        marketer = new_test_user(
            self.env, login="seg_marketer_orders", groups="base.group_user,mass_mailing.group_mass_mailing_user"
        )
        with self.assertRaises(ValidationError):
            self.env["mailing.mailing"].with_user(marketer).create(
                {
                    "subject": "Orders of big spenders",
                    "mailing_model_id": self.env["ir.model"]._get_id("sale.order"),
                    "mailing_domain": "[('partner_id.purchase_total_365d', '>', 5000)]",
                }
            )
        with self.assertRaises(ValidationError) as caught:
            self.env["mailing.mailing"].with_user(marketer).create(
                {
                    "subject": "Odd filter",
                    "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "mailing_domain": "1",
                }
            )
        self.assertIn("list of conditions", str(caught.exception))

    def test_system_fields_are_not_set_through_context_defaults(self):
        with self.assertRaises(UserError):
            self.Segment.with_user(self.manager_a).with_context(default_last_mailing_at="2099-01-01").create(
                {"name": "Faked use", "domain": "[('city', '=', 'Ghent')]"}
            )

    def test_live_count_uses_the_editor_not_the_last_author(self):
        self.lille.user_id = self.manager_a
        segment = self.Segment.with_user(self.manager_a).create(
            {"name": "Mine", "domain": "[('user_id', '=', uid)]"}
        )
        self.assertEqual(segment.with_user(self.manager_a).new(origin=segment).domain_match_count, 1)
        colleague = new_test_user(
            self.env,
            login="seg_manager_a2",
            company_id=self.company_a.id,
            company_ids=self.company_a.ids,
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        self.assertEqual(
            segment.with_user(colleague).new(origin=segment).domain_match_count,
            0,
            "what saving would give: the colleague's own",
        )

    def test_pins_by_a_user_without_figure_rights_are_refused_cleanly(self):
        spenders = self.Segment.with_user(self.manager_a).create(
            {"name": "Spenders", "domain": "[('purchase_total_365d', '>', 0)]"}
        )
        with self.assertRaises(UserError) as caught:  # ValidationError is one
            spenders.with_user(self.no_figures).include_partner_ids = self.ghent
        self.assertNotIsInstance(caught.exception, AccessError)


@tagged("post_install", "-at_install")
class TestRedTeamSeventhRound(AccessCase):
    """Round 7, on the gallery, freeze, holdout and lift of this round."""

    def test_members_slipped_in_through_context_defaults_are_refused(self):
        Segment = self.Segment.with_user(self.manager_b).with_context(
            default_partner_ids=[(6, 0, self.secret.ids)]
        )
        with self.assertRaises(AccessError):
            Segment.create({"name": "Slipped", "segment_type": "static", "company_id": self.company_b.id})
        template = self.env.ref("partner_segmentation.template_no_email").with_user(self.manager_b)
        action = template.with_context(default_partner_ids=[(6, 0, self.secret.ids)]).action_use()
        self.assertFalse(self.Segment.browse(action["res_id"]).partner_ids, "a template takes no default members")

    def test_a_push_counts_only_the_members_its_reader_may_read(self):
        self.global_segment.action_recompute()
        mlist = self.env["mailing.list"].create({"name": "Seventh round"})
        Push = self.env["res.partner.segment.push"].with_company(self.company_b)
        push = Push._record(self.global_segment, mlist, None)
        self.assertIn(self.secret, push.mailed_partner_ids | push.held_out_partner_ids)
        as_b = push.with_user(self.user_b)
        readable = (
            (push.mailed_partner_ids | push.held_out_partner_ids).with_user(self.user_b)._filtered_access("read")
        )
        self.assertEqual(as_b.mailed_count + as_b.held_out_count, len(readable))
        self.assertLess(len(readable), len(push.mailed_partner_ids | push.held_out_partner_ids))


@tagged("post_install", "-at_install")
class TestRedTeamEighthRound(AccessCase):
    """Round 8, a fresh attack on the whole addon over RPC as users of company B."""

    def test_a_shared_segment_is_searched_sorted_and_grouped_by_the_count_its_reader_reads(self):
        self.Partner.create(
            [{"name": f"Ghent secret {i}", "city": "Ghent", "company_id": self.company_a.id} for i in range(2)]
        )
        self.global_segment.action_recompute()
        stored = self.global_segment.member_count
        shown = self.global_segment.with_user(self.user_b).visible_member_count
        self.assertEqual((stored, shown), (5, 2), "three of its members are company A's")
        b_static = self.Segment.create(
            {
                "name": "Three of B",
                "segment_type": "static",
                "company_id": self.company_b.id,
                "partner_ids": [(6, 0, (self.ghent | self.lille | self.paris).ids)],
            }
        )
        Segment = self.Segment.with_user(self.user_b).with_context(allowed_company_ids=self.company_b.ids)
        both = [("id", "in", (self.global_segment | b_static).ids)]
        shared = [("id", "=", self.global_segment.id)]
        self.assertFalse(Segment.search_count(shared + [("member_count", "=", stored)]))
        self.assertFalse(Segment.search_count(shared + [("member_count", ">", shown)]))
        self.assertEqual(Segment.search_count(shared + [("member_count", "=", shown)]), 1)
        self.assertEqual(Segment._read_group(shared, [], ["member_count:sum"]), [(shown,)])
        self.assertEqual(Segment._read_group(shared, ["member_count"], ["__count"]), [(shown, 1)])
        self.assertEqual(Segment.search(both, order="member_count desc"), b_static | self.global_segment)
        self.assertEqual(
            self.Segment.search(both, order="member_count desc"), self.global_segment | b_static, "stored"
        )
        self.assertEqual(b_static.with_user(self.user_b).member_count, 3, "a company's segment: its count")

    def test_naming_a_segment_the_user_may_not_read_on_a_partner_tells_nothing(self):
        """Linking a member (or unlinking a partner that is not one) changes nothing: it
        must be refused all the same, or it tells who is in the segment."""
        static_a = self.Segment.create(
            {
                "name": "A's static",
                "segment_type": "static",
                "company_id": self.company_a.id,
                "partner_ids": [(4, self.ghent.id)],
            }
        )
        for partner in (self.ghent, self.lille):  # a member, and not one
            for command in (Command.link(static_a.id), Command.unlink(static_a.id)):
                with self.assertRaises(AccessError):
                    partner.with_user(self.manager_b).write({"static_segment_ids": [command]})
        dynamic_b = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        dynamic_b.action_recompute()
        with self.assertRaises(UserError):
            self.lille.with_user(self.manager_b).write({"static_segment_ids": [Command.link(dynamic_b.id)]})
        self.assertEqual(self.members(static_a), self.ghent)

    def test_a_shared_segments_count_in_a_form_is_the_readers(self):
        """A form's copy of a segment (onchange: a new record whose origin is saved) counts
        as the saved one: the stored count told how many members are another company's."""
        self.assertEqual(self.global_segment.member_count, 3)
        form = self.global_segment.with_user(self.user_b).with_context(allowed_company_ids=self.company_b.ids)
        copy = form.new(origin=form)
        self.assertEqual((copy.visible_member_count, copy.counts_partial), (2, True))
        user = form.new({"domain": f"[('segment_ids', 'in', [{self.global_segment.id}])]"})
        self.assertEqual(user.depends_on_ids.visible_member_count, 2)
        # its company changed in the form: the count is still the saved segment's, as read
        spec = {"visible_member_count": {}, "counts_partial": {}}
        changed = form.onchange({"company_id": self.company_b.id}, ["company_id"], spec)["value"]
        self.assertEqual(changed.get("visible_member_count", 2), 2, "unchanged or the reader's")
        self.assertTrue(changed.get("counts_partial", True))

    def test_a_users_own_defaults_set_no_segment_by_hand(self):
        """Defaults a user sets for himself (``ir.default``, from any form) are checked like
        values: no contact joins a dynamic segment, no segment gets an unreadable member or
        a system field."""
        dynamic_b = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        dynamic_b.action_recompute()
        Default = self.env["ir.default"].with_user(self.manager_b)
        Default.set("res.partner", "segment_ids", dynamic_b.ids, user_id=True)
        Default.set("res.partner", "dynamic_segment_ids", self.global_segment.ids, user_id=True)
        Partner = self.Partner.with_user(self.manager_b).with_context(allowed_company_ids=self.company_b.ids)
        contact = Partner.create({"name": "Own defaults"})
        self.assertFalse(contact.sudo().segment_ids)
        Default.set("res.partner", "static_segment_ids", dynamic_b.ids, user_id=True)
        with self.assertRaises(UserError):
            Partner.create({"name": "Own default, dynamic"})
        Segment = self.Segment.with_user(self.manager_b).with_context(allowed_company_ids=self.company_b.ids)
        Default.set("res.partner.segment", "last_mailing_at", "2030-01-01 00:00:00", user_id=True)
        Default.set("res.partner.segment", "member_count", 777777, user_id=True)
        faked = Segment.create({"name": "Own defaults", "segment_type": "static", "company_id": self.company_b.id})
        self.assertEqual((faked.sudo().last_mailing_at, faked.sudo().member_count), (False, 0))
        Default.set("res.partner.segment", "partner_ids", self.secret.ids, user_id=True)
        with self.assertRaises(AccessError):
            Segment.create(
                {"name": "Own default member", "segment_type": "static", "company_id": self.company_b.id}
            )

    def test_a_list_is_never_linked_to_segments_by_a_default(self):
        """A list's sync runs as the system: linked by a default (context or the user's own
        ``ir.default``), a list would receive members, or segments, its creator may not read."""
        Lists = (
            self.env["mailing.list"].with_user(self.manager_b).with_context(allowed_company_ids=self.company_b.ids)
        )
        by_context = Lists.with_context(default_segment_ids=[(6, 0, self.global_segment.ids)]).create(
            {"name": "Ctx"}
        )
        self.env["ir.default"].with_user(self.manager_b).set(
            "mailing.list", "segment_ids", self.global_segment.ids, user_id=True
        )
        by_default = Lists.create({"name": "Own default"})
        self.assertFalse((by_context | by_default).sudo().segment_ids)

    def test_a_forms_defaults_name_no_segment_or_partner_the_user_may_not_read(self):
        """A form shows the name of what its many2one holds: a default of a segment or a
        partner the user may not read (context key or the user's ``ir.default``) is dropped."""
        static_a = self.Segment.create(
            {"name": "A's hidden name", "segment_type": "static", "company_id": self.company_a.id}
        )
        for model, defaults in (
            ("res.partner.segment.add.wizard", {"default_segment_id": static_a.id}),
            ("res.partner.segment.explain.wizard", {"default_segment_id": static_a.id}),
            ("res.partner.segment.overlap.wizard.line", {"default_segment_a_id": static_a.id}),
            (
                "res.partner.segment.event",
                {"default_segment_id": static_a.id, "default_partner_id": self.secret.id},
            ),
        ):
            Model = (
                self.env[model]
                .with_user(self.user_b)
                .with_context(allowed_company_ids=self.company_b.ids, **defaults)
            )
            got = Model.default_get(list(Model._fields))
            self.assertFalse({"segment_id", "segment_a_id", "partner_id"} & got.keys(), model)
        self.env["ir.default"].with_user(self.user_b).set(
            "res.partner.segment.add.wizard", "segment_id", static_a.id, user_id=True
        )
        Add = self.env["res.partner.segment.add.wizard"].with_user(self.user_b)
        self.assertNotIn("segment_id", Add.default_get(["segment_id"]))
        static_b = self.Segment.create({"name": "B's", "segment_type": "static", "company_id": self.company_b.id})
        self.assertEqual(
            Add.with_context(default_segment_id=static_b.id).default_get(["segment_id"])["segment_id"], static_b.id
        )

    def test_records_the_addon_writes_take_no_users_defaults(self):
        """Pushes and size history are written as the system for the user who started them:
        that user's own defaults neither forge a push's groups nor hide a day's size."""
        Default = self.env["ir.default"].with_user(self.manager_b)
        Default.set("res.partner.segment.history", "last_of_day", False, user_id=True)
        Default.set("res.partner.segment.push", "held_out_partner_ids", self.secret.ids, user_id=True)
        Default.set("res.partner.segment.push", "lift_days", 366, user_id=True)
        segment = self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_b.id)
        segment.with_user(self.manager_b).with_context(allowed_company_ids=self.company_b.ids).action_recompute()
        self.assertTrue(segment.history_ids.sorted("id")[-1:].last_of_day)
        mlist = self.env["mailing.list"].create({"name": "Own defaults list"})
        Push = self.env["res.partner.segment.push"].with_user(self.manager_b).with_company(self.company_b)
        push = Push._record(segment, mlist, None).sudo()
        self.assertFalse(push.held_out_partner_ids)
        self.assertNotEqual(push.lift_days, 366)

    def test_wizard_rows_name_only_segments_their_user_may_read(self):
        static_a = self.Segment.create(
            {"name": "A's hidden name", "segment_type": "static", "company_id": self.company_a.id}
        )
        as_b = self.env["res.partner.segment.add.wizard"].with_user(self.user_b)
        with self.assertRaises(AccessError):
            as_b.create({"segment_id": static_a.id, "partner_ids": [(6, 0, self.ghent.ids)]})
        with self.assertRaises(AccessError):
            self.env["res.partner.segment.explain.wizard"].with_user(self.user_b).create(
                {"segment_id": static_a.id, "partner_id": self.ghent.id}
            )
        with self.assertRaises(AccessError):
            self.env["res.partner.segment.explain.wizard"].with_user(self.user_b).create(
                {"segment_id": self.global_segment.id, "partner_id": self.secret.id}
            )
        overlap = (
            self.env["res.partner.segment.overlap.wizard"]
            .with_user(self.user_b)
            .create({"segment_ids": [(6, 0, self.global_segment.ids)]})
        )
        with self.assertRaises(AccessError):
            self.env["res.partner.segment.overlap.wizard.line"].with_user(self.user_b).create(
                {"overlap_id": overlap.id, "segment_a_id": static_a.id, "segment_b_id": self.global_segment.id}
            )

    def test_contacts_created_with_segment_defaults_join_only_readable_static_segments(self):
        dynamic_b = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        dynamic_b.action_recompute()
        Partner = self.Partner.with_user(self.manager_b).with_context(allowed_company_ids=self.company_b.ids)
        for default in ([dynamic_b.id], [(6, 0, self.global_segment.ids)]):
            with self.assertRaises(UserError):
                Partner.with_context(default_static_segment_ids=default).create({"name": "Slipped in"})
        # a mailing form's own default (segments of its recipients) is no contact's segment
        contact = Partner.with_context(default_segment_ids=[(6, 0, dynamic_b.ids)]).create(
            {"name": "From a mailing"}
        )
        self.assertFalse(contact.sudo().segment_ids)
        static_b = self.Segment.create(
            {"name": "B static", "segment_type": "static", "company_id": self.company_b.id}
        )
        joined = Partner.with_context(default_static_segment_ids=static_b.ids).create({"name": "Joins"})
        self.assertEqual(self.members(static_b), joined)
        self.assertEqual(static_b.member_count, 1)

    def test_filling_applies_only_conditions_its_user_may_read(self):
        own_documents = new_test_user(
            self.env,
            login="seg_manager_b_own_documents",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
            groups="base.group_user,sales_team.group_sale_salesman,partner_segmentation.group_segment_manager",
        )
        self.confirmed_order(self.lille, "2026-01-15", self.company_b)
        spenders = self.Segment.create(
            {
                "name": "Spenders of B",
                "segment_type": "static",
                "company_id": self.company_b.id,
                "domain": "[('purchase_total_365d', '>', 0)]",
            }
        )
        self.assertFalse(spenders.author_id, "written by the system")
        with self.assertRaises(UserError):
            spenders.with_user(own_documents).action_fill_from_domain()
        self.assertFalse(self.members(spenders))
        spenders.with_user(self.manager_b).action_fill_from_domain()  # reads purchase figures
        self.assertEqual(self.members(spenders), self.lille)

    def test_segments_using_one_another_in_a_row_are_bounded(self):
        Segment = self.Segment.with_user(self.manager_b)
        chain = Segment.create(
            {"name": "Link 1", "company_id": self.company_b.id, "domain": "[('city', '=', 'Ghent')]"}
        )
        for position in range(2, MAX_SEGMENT_CHAIN + 1):
            chain |= Segment.create(
                {
                    "name": f"Link {position}",
                    "company_id": self.company_b.id,
                    "domain": f"[('segment_ids', 'in', [{chain[-1].id}])]",
                }
            )
        self.assertEqual(chain[-1].depends_on_ids, chain[-2])
        with self.assertRaises(ValidationError):  # one more at the end
            Segment.create(
                {
                    "name": "Too far",
                    "company_id": self.company_b.id,
                    "domain": f"[('segment_ids', 'in', [{chain[-1].id}])]",
                }
            )
        chain[-1].action_archive()  # an archived segment still counts: it may come back
        with self.assertRaises(ValidationError):
            Segment.create(
                {
                    "name": "Past it",
                    "company_id": self.company_b.id,
                    "domain": f"[('segment_ids', 'in', [{chain[-1].id}])]",
                }
            )
        chain[-1].action_unarchive()
        head = Segment.create(
            {"name": "Head", "company_id": self.company_b.id, "domain": "[('city', '=', 'Lille')]"}
        )
        with self.assertRaises(ValidationError):  # or at the start, under segments using it
            chain[0].write({"domain": f"[('segment_ids', 'in', [{head.id}])]"})
        self.assertEqual(chain.sudo()[::-1]._in_dependency_order().ids, chain.ids)

    def test_a_chain_stored_before_the_bound_is_ordered_without_recursion(self):
        """A database may hold longer chains from before the bound: the scheduler orders
        1,200 of them without exhausting Python's recursion (it failed for every company)."""
        chain = self.Segment.create(
            [
                {"name": f"Old link {i}", "company_id": self.company_b.id, "segment_type": "static"}
                for i in range(1200)
            ]
        )
        self.env.cr.execute(
            SQL(
                "INSERT INTO res_partner_segment_dependency (segment_id, depends_on_id) SELECT * FROM unnest(%s, %s)",
                chain[1:].ids,
                chain[:-1].ids,
            )
        )
        chain.invalidate_recordset(["depends_on_ids"])
        self.assertEqual(chain[-1].depends_on_ids, chain[-2])
        self.assertEqual(chain[::-1]._in_dependency_order().ids, chain.ids)

    def test_a_dynamic_segments_members_and_uses_are_not_written_by_hand(self):
        dynamic = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        other = self.make_segment("[('city', '=', 'Paris')]", company_id=self.company_b.id)
        as_b = dynamic.with_user(self.manager_b)
        with self.assertRaises(UserError):
            as_b.write({"partner_ids": [Command.link(self.paris.id)]})
        with self.assertRaises(UserError):
            as_b.create(
                {"name": "Handmade", "company_id": self.company_b.id, "partner_ids": [(6, 0, self.paris.ids)]}
            )
        with self.assertRaises(UserError):
            as_b.write({"depends_on_ids": [Command.link(other.id)]})
        self.assertFalse(self.members(dynamic) & self.paris)
        self.assertFalse(dynamic.depends_on_ids)

    def test_entries_of_partners_the_user_may_not_read_cannot_be_confirmed(self):
        self.secret.city = "Lille"
        self.global_segment.action_recompute()
        event = self.env["res.partner.segment.event"].search([("partner_id", "=", self.secret.id)])
        self.assertTrue(event)
        as_b = event.with_user(self.user_b)
        self.assertFalse(as_b.exists())
        self.assertFalse(as_b.has_access("read"))
        self.assertEqual(as_b.read(["kind", "partner_id"]), [], "as if it did not exist: no name in an error")
        row = self.env["res.partner.segment.event"].search([("partner_id", "=", self.ghent.id)], limit=1)
        self.assertTrue(row.with_user(self.user_b).has_access("read"), "a readable partner's row is found")


@tagged("post_install", "-at_install")
class TestWhatTheScreensSay(AccessCase):
    """Round 8's walk through the screens as a manager of company B: what each button and
    list tells, and only what that user may read."""

    def test_recompute_button_says_how_many_members_the_user_may_read(self):
        action = self.global_segment.with_user(self.manager_b).action_recompute_notify()
        shown = self.global_segment.with_user(self.manager_b).visible_member_count
        self.assertLess(shown, self.global_segment.member_count, "company A's partner is a member too")
        params = action["params"]
        self.assertEqual((params["type"], params["title"]), ("success", "Segment recomputed"))
        self.assertIn(f"has {shown} members you may read.", params["message"])
        own = self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_b.id)
        said = own.with_user(self.manager_b).action_recompute_notify()["params"]["message"]
        self.assertTrue(said.endswith(f"has {own.member_count} members."), "a company's segment: all of them")

    def test_the_form_says_who_may_use_the_purchase_figures(self):
        """Without Sales: All Documents, the editor finds no purchase figure: the form says why."""
        own_documents = new_test_user(
            self.env,
            login="screens_own_documents",
            groups="base.group_user,sales_team.group_sale_salesman,partner_segmentation.group_segment_manager",
        )

        def says(user):
            views = self.env["res.partner.segment"].with_user(user).get_views([(False, "form")])
            return "Sales: All Documents" in views["views"]["form"]["arch"]

        self.assertTrue(says(own_documents))
        self.assertFalse(says(self.manager_b))

    def test_a_salesman_sees_a_contacts_stage_not_its_figures(self):
        """Stages are for salesmen too (they group Sales Analysis and the pipeline by them):
        the contact form showed them only to segmentation users."""
        seller = new_test_user(
            self.env, login="screens_seller", groups="base.group_user,sales_team.group_sale_salesman"
        )
        Partner = self.env["res.partner"].with_user(seller)
        form = Partner.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="lifecycle_stage"', form)
        self.assertNotIn('name="purchase_total"', form)
        self.assertNotIn('name="lifecycle_transition_ids"', form)
        search = Partner.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="group_lifecycle_stage"', search)
        self.assertIn("lifecycle_stage", Partner.browse(self.ghent.id).web_read({"lifecycle_stage": {}})[0])
        # and CRM's Reporting → Pipeline groups by the customer's stage, as the pipeline does
        report = self.env.ref("crm.crm_opportunity_report_view_search")
        views = self.env["crm.lead"].with_user(seller).get_views([(report.id, "search")])
        self.assertIn('name="group_partner_lifecycle_stage"', views["views"]["search"]["arch"])

    def test_the_automation_tab_says_who_chooses_the_actions(self):
        """Server actions are for administrators: a manager choosing one got Odoo's raw
        access error; the tab shows them to managers, read-only, and says who chooses."""

        def arch(user):
            return (
                self.env["res.partner.segment"]
                .with_user(user)
                .get_views([(False, "form")])["views"]["form"]["arch"]
            )

        self.assertIn("chosen by an administrator", arch(self.manager_b))
        self.assertNotIn("chosen by an administrator", arch(self.env.ref("base.user_admin")))
        # nor taken off by a manager (by RPC: the form does not send them)
        action = self.env["ir.actions.server"].create(
            {
                "name": "Tag joiners",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": "",
            }
        )
        segment = self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_b.id)
        segment.on_join_action_id = action
        with self.assertRaisesRegex(UserError, "Only administrators choose"):
            segment.with_user(self.manager_b).write({"on_join_action_id": False})
        segment.with_user(self.manager_b).write({"name": "Renamed", "on_join_action_id": action.id})  # unchanged
        self.assertEqual(segment.on_join_action_id, action)

    def test_recompute_button_says_why_a_segment_failed(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_b.id)
        segment.with_user(self.manager_b).write(
            {"domain": "[('city', '=', 'Lille')]"}
        )  # the author, no longer in B:
        self.manager_b.write({"company_ids": [(6, 0, self.company_a.ids)], "company_id": self.company_a.id})
        params = segment.action_recompute_notify()["params"]
        self.assertEqual((params["type"], params["sticky"]), ("danger", True))
        self.assertIn("failed", params["message"])
        self.assertIn(segment.last_error, params["message"])

    def test_a_template_says_who_cannot_use_it_and_why(self):
        own_documents = new_test_user(
            self.env,
            login="seg_manager_own_documents_templates",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
            groups="base.group_user,sales_team.group_sale_salesman,partner_segmentation.group_segment_manager",
        )
        due = self.env.ref("partner_segmentation.template_due_to_reorder")
        reason = due.with_user(own_documents).unusable_reason
        self.assertIn("Days to expected purchase", reason)
        self.assertIn(self.env.ref("sales_team.group_sale_salesman_all_leads").full_name, reason)
        self.assertFalse(due.with_user(self.manager_b).unusable_reason)
        self.assertFalse(
            self.env.ref("partner_segmentation.template_no_email").with_user(own_documents).unusable_reason
        )
        self.assertIn("managers", due.with_user(self.user_b).unusable_reason)

    def test_a_rows_click_opens_its_partner_and_members_lists_say_whose(self):
        self.secret.city = "Lille"
        self.global_segment.action_recompute()
        event = self.env["res.partner.segment.event"].search([("partner_id", "=", self.secret.id)])
        self.assertEqual(event.action_open_partner()["res_id"], self.secret.id)
        action = self.global_segment.action_view_members()
        self.assertEqual(action["display_name"], "Members of Ghent everywhere")


@tagged("post_install", "-at_install")
class TestRedTeamNinthRound(AccessCase):
    """Round 9, a fresh attack on the whole addon over RPC as users of company B."""

    def test_who_was_mailed_from_a_shared_segment_is_not_found_by_id(self):
        """A push of a shared segment by a user of every company, filed under company B, holds
        company A's partners: searching pushes by partner id told which hidden partner was in
        the segment and mailed."""
        mlist = self.env["mailing.list"].create({"name": "Round 9 list"})
        self.env["res.partner.segment.mailing.wizard"].with_company(self.company_b).create(
            {"segment_ids": [(6, 0, self.global_segment.ids)], "mailing_list_id": mlist.id, "mode": "add"}
        ).action_apply()
        push = self.env["res.partner.segment.push"].search([("segment_id", "=", self.global_segment.id)])
        self.assertEqual(push.company_id, self.company_b)
        self.assertIn(self.secret, push.mailed_partner_ids)
        Push = self.env["res.partner.segment.push"].with_user(self.user_b)
        self.assertEqual(Push.search([("id", "=", push.id)]), push, "company B's users read the push")
        for fname in ("mailed_partner_ids", "held_out_partner_ids"):
            self.assertFalse(Push.search_count([(fname, "in", self.secret.ids)]))
            self.assertFalse(Push.search_count([(fname, "=", self.secret.id)]))
        self.assertEqual(Push.search([("mailed_partner_ids", "in", self.ghent.ids)]), push)

    def test_stage_changes_in_another_company_are_not_found_by_id(self):
        change = self.env["res.partner.lifecycle.transition"].create(
            {"partner_id": self.ghent.id, "company_id": self.company_a.id, "to_stage": "new", "date": "2026-01-15"}
        )
        as_b = self.Partner.with_user(self.user_b)
        self.assertEqual(as_b.search([("id", "=", self.ghent.id)]), self.ghent, "a partner company B reads")
        self.assertFalse(
            as_b.search_count([("id", "=", self.ghent.id), ("lifecycle_transition_ids", "!=", False)])
        )
        self.assertFalse(as_b.search_count([("lifecycle_transition_ids", "in", change.ids)]))
        self.assertEqual(
            self.Partner.with_user(self.manager_a).search([("lifecycle_transition_ids", "in", change.ids)]),
            self.ghent,
            "company A's own users find it",
        )
        plain = new_test_user(self.env, login="seg_plain_round9", groups="base.group_user")
        for user in (plain, self.portal):
            with self.assertRaises(AccessError):
                self.Partner.with_user(user).search([("lifecycle_transition_ids", "!=", False)])

    def test_a_form_given_a_segment_the_user_may_not_read_does_not_name_it(self):
        """A many2one shows its record's name to whoever reads the row (Odoo reads it as the
        superuser); an onchange creates nothing, so the checks on create did not see it."""
        hidden = self.Segment.create(
            {"name": "A's hidden name", "segment_type": "static", "company_id": self.company_a.id}
        )
        spec = {"segment_id": {"fields": {"display_name": {}}}}
        for user in (self.user_b, self.portal):
            for model in (
                "res.partner.segment.add.wizard",
                "res.partner.segment.explain.wizard",
                "res.partner.segment.push",
                "res.partner.segment.history",
                "res.partner.segment.event",
            ):
                with self.subTest(user=user.login, model=model), self.assertRaises(AccessError):
                    self.env[model].with_user(user).onchange({"segment_id": hidden.id}, [], spec)
        line = {"segment_a_id": hidden.id, "segment_b_id": self.global_segment.id}
        with self.assertRaises(AccessError):
            self.env["res.partner.segment.overlap.wizard"].with_user(self.user_b).onchange(
                {"line_ids": [Command.create(line)]},
                [],
                {"line_ids": {"fields": {"segment_a_id": {"fields": {"display_name": {}}}}}},
            )
        with self.assertRaises(AccessError):  # a many2one given as the values of a new record
            self.env["res.partner.segment.explain.wizard.line"].with_user(self.user_b).onchange(
                {"explain_id": {"id": 999999, "segment_id": hidden.id}},
                [],
                {"explain_id": {"fields": {"segment_id": {"fields": {"display_name": {}}}}}},
            )
        shown = (
            self.env["res.partner.segment.add.wizard"]
            .with_user(self.user_b)
            .onchange({"segment_id": self.global_segment.id}, [], spec)
        )
        self.assertNotIn("A's hidden name", str(shown))
        self.assertEqual(
            self.env["res.partner.segment.add.wizard"]
            .onchange({"segment_id": hidden.id}, [], spec)["value"]
            .get("segment_id", {"display_name": hidden.name})["display_name"],
            "A's hidden name",
            "the superuser's form names it",
        )

    def test_a_form_given_a_partner_the_user_may_not_read_does_not_name_it(self):
        """The same for the partner of the addon's rows and wizards, by value in a form or as
        the partner the explanation was opened from (found by a security review)."""
        spec = {"partner_id": {"fields": {"display_name": {}}}}
        for user in (self.user_b, self.portal):
            for model in (
                "res.partner.segment.explain.wizard",
                "res.partner.segment.event",
                "res.partner.lifecycle",
                "res.partner.lifecycle.transition",
                "res.partner.purchase.figures",
                "res.partner.segment.performance",
                "res.partner.lifecycle.pending",
            ):
                for value in (self.secret.id, {"id": self.secret.id}):
                    with self.subTest(user=user.login, model=model), self.assertRaises(AccessError):
                        self.env[model].with_user(user).onchange({"partner_id": value}, [], spec)
        Explain = self.env["res.partner.segment.explain.wizard"].with_user(self.user_b)
        shown = Explain.onchange({"partner_id": self.lille.id}, [], spec)
        self.assertEqual(
            shown["value"]["partner_id"]["display_name"], self.lille.display_name, "a partner B reads"
        )
        opened = Explain.with_context(active_model="res.partner", active_id=self.secret.id)
        self.assertFalse(opened.default_get(["partner_id"]).get("partner_id"))
        opened = Explain.with_context(active_model="res.partner", active_id=self.lille.id)
        self.assertEqual(opened.default_get(["partner_id"])["partner_id"], self.lille.id)

    def test_a_sync_removes_only_what_its_own_segments_added(self):
        """A sync removed every subscription a segment push had added and it no longer
        targets: another user's campaign, of company A's partners too, which company B's
        manager never sees (and the preview counted them)."""
        mlist = self.env["mailing.list"].create({"name": "Round 9 sync"})
        self.global_segment._push_to_list(mlist, "add")  # as the superuser: A's secret too
        self.assertIn("alice@secret.example", self.emails(mlist))
        b_static = self.static("B's", self.company_b, self.lille)
        self.assertEqual(
            self.sync_as_manager_b(b_static, mlist),
            0,
            "nothing it added, nothing to remove: not Ghent, not A's secret",
        )
        self.paris.email = "paris@example.com"
        b_static.partner_ids = self.paris
        self.assertEqual(self.sync_as_manager_b(b_static, mlist), 1, "Lille, which it added and which left")
        self.assertEqual(self.emails(mlist), ["alice@secret.example", "ghent@example.com", "paris@example.com"])

    def test_a_companys_lifecycle_settings_are_read_by_those_who_read_stages(self):
        for user in (self.portal, new_test_user(self.env, login="seg_plain_settings", groups="base.group_user")):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.company_a.with_user(user).read(["lifecycle_cycle_days"])
        self.assertEqual(
            self.company_b.with_user(self.user_b).read(["lifecycle_cycle_days"])[0]["lifecycle_cycle_days"], 30
        )
        company = (
            self.env["res.company"]
            .with_user(
                new_test_user(
                    self.env,
                    login="seg_settings_admin",
                    groups="base.group_user,base.group_erp_manager,base.group_partner_manager",
                )
            )
            .create({"name": "Created by an administrator who reads no stages"})
        )
        self.assertEqual(company.sudo().lifecycle_cycle_days, 30)

    def test_a_linked_list_keeps_what_other_segments_added_and_follows_its_own(self):
        """A list is shared by every company: the sync of company B's segment linked to it
        removed company A's partners that others had pushed there. A leaver whose email a
        partner of company A also has is still removed (one person, one partner per company)."""
        mlist = self.env["mailing.list"].create({"name": "Round 9 linked"})
        a_static = self.Segment.create(
            {
                "name": "A's",
                "segment_type": "static",
                "company_id": self.company_a.id,
                "partner_ids": self.secret.ids,
            }
        )
        a_static._push_to_list(mlist, "add")
        self.Partner.create({"name": "Twin in A", "email": "twin@example.com", "company_id": self.company_a.id})
        twin_b = self.Partner.create(
            {"name": "Twin in B", "email": "twin@example.com", "city": "Lille", "company_id": self.company_b.id}
        )
        lille_b = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        lille_b.mailing_list_ids = mlist
        lille_b.action_recompute()
        self.assertEqual(self.emails(mlist), ["alice@secret.example", "lille@example.com", "twin@example.com"])
        (self.lille | twin_b).city = "Paris"
        lille_b.action_recompute()
        self.assertFalse(lille_b.last_error)
        self.assertEqual(self.emails(mlist), ["alice@secret.example"], "A's push stays; B's leavers go")

    def test_lists_and_mailings_are_not_found_by_a_hidden_segments_id(self):
        hidden = self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_a.id)
        own = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        hidden_list, own_list = self.env["mailing.list"].create([{"name": "A's linked"}, {"name": "B's linked"}])
        hidden.mailing_list_ids = hidden_list
        own.mailing_list_ids = own_list
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Round 9",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "segment_ids": [(6, 0, hidden.ids)],
            }
        )
        Lists = self.env["mailing.list"].with_user(self.manager_b)
        both = [("id", "in", (hidden_list | own_list).ids)]
        self.assertFalse(Lists.search([("segment_ids", "in", hidden.ids)]))
        self.assertEqual(Lists.search([*both, ("segment_ids", "!=", False)]), own_list)
        self.assertEqual(Lists.search([("segment_ids", "=", own.id)]), own_list)
        Mailings = self.env["mailing.mailing"].with_user(self.manager_b)
        self.assertEqual(Mailings.search([("id", "=", mailing.id)]), mailing, "company B's marketer reads it")
        self.assertFalse(Mailings.search([("segment_ids", "in", hidden.ids)]))


@tagged("post_install", "-at_install")
class TestRedTeamEleventhRound(AccessCase):
    """Rounds 10 to 12: the fixes of round 9 attacked again, as users of company B."""

    def test_a_segment_handed_to_a_form_in_any_shape_is_checked(self):
        hidden = self.static("A's hidden name", self.company_a, self.secret)
        spec = {"segment_id": {"fields": {"display_name": {}}}}
        Push = self.env["res.partner.segment.push"].with_user(self.user_b)
        for value in ({"id": [hidden.id]}, {"id": hidden.id}, [hidden.id], (hidden.id, "x"), "3"):
            with self.subTest(value=value), self.assertRaises(AccessError):
                Push.onchange({"segment_id": value}, [], spec)
        line = {"segment_a_id": {"id": [hidden.id]}, "segment_b_id": self.global_segment.id}
        with self.assertRaises(AccessError):
            self.env["res.partner.segment.overlap.wizard"].with_user(self.user_b).onchange(
                {"line_ids": [Command.create(line)]},
                [],
                {"line_ids": {"fields": {"segment_a_id": {"fields": {"display_name": {}}}}}},
            )
        shown = Push.onchange({"segment_id": {"id": [self.global_segment.id]}}, [], spec)
        self.assertEqual(shown["value"]["segment_id"]["display_name"], self.global_segment.name)

    def test_a_sync_of_one_segment_keeps_what_a_push_with_others_targeted(self):
        """Segments pushed together: a sync of one of them removed what the others had
        targeted (another company's partners of another user's campaign, counted in the
        preview)."""
        a_static = self.static("A's campaign", self.company_a, self.secret | self.ghent)
        b_static = self.static("B's campaign", self.company_b, self.lille | self.ghent)
        mlist = self.env["mailing.list"].create({"name": "Pushed together"})
        (a_static | b_static)._push_to_list(mlist, "add")
        emails = ["alice@secret.example", "ghent@example.com", "lille@example.com"]
        self.assertEqual(self.emails(mlist), emails)
        self.assertEqual(self.sync_as_manager_b(b_static, mlist), 0)
        b_static.partner_ids = False
        self.assertEqual(
            self.sync_as_manager_b(b_static, mlist), 1, "Lille, only B's; Ghent, A's campaign's too, stays"
        )
        self.assertEqual(self.emails(mlist), emails[:2])

    def test_a_linked_list_removes_the_leavers_of_a_segment_linked_with_others(self):
        """Segments linked to one list: each address is the segments' that target it, so
        one segment unlinked (or archived) does not keep the other's leavers for ever."""
        mlist = self.env["mailing.list"].create({"name": "Two linked"})
        ghent_b = self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_b.id)
        lille_b = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        (ghent_b | lille_b).mailing_list_ids = mlist
        (ghent_b | lille_b).action_recompute()
        self.assertEqual(self.emails(mlist), ["ghent@example.com", "lille@example.com"])
        ghent_b.mailing_list_ids = False
        self.lille.city = "Paris"
        lille_b.action_recompute()
        self.assertEqual(self.emails(mlist), ["ghent@example.com"], "Lille left; Ghent, unlinked, stays")

    def test_a_sync_a_user_may_not_make_counts_nothing(self):
        """A user of some companies may not sync a shared segment; its preview counted the
        subscriptions of the members that user may not read."""
        mlist = self.env["mailing.list"].create({"name": "Shared pushed"})
        self.global_segment._push_to_list(mlist, "add")
        wizard = (
            self.env["res.partner.segment.mailing.wizard"]
            .with_user(self.manager_b)
            .create(
                {"segment_ids": [(6, 0, self.global_segment.ids)], "mailing_list_id": mlist.id, "mode": "sync"}
            )
        )
        self.assertEqual(wizard.count_remove, 0)
        with self.assertRaisesRegex(UserError, "shared with every company"):
            wizard.action_apply()

    def test_segments_are_not_found_by_the_id_of_a_hidden_size_point(self):
        self.global_segment.action_recompute()
        points = self.global_segment.history_ids
        Segment = self.Segment.with_user(self.user_b).with_context(allowed_company_ids=self.company_b.ids)
        self.assertFalse(points.with_user(self.user_b).search([("id", "in", points.ids)]), "hidden to B")
        self.assertFalse(Segment.search([("history_ids", "in", points.ids)]))

    def test_no_form_defaults_to_a_segment_its_user_may_not_read(self):
        hidden = self.static("A's hidden name", self.company_a, self.secret)
        spec = {"segment_id": {"fields": {"display_name": {}}}, "partner_id": {"fields": {"display_name": {}}}}
        for user in (self.user_b, self.portal):
            Report = self.env["res.partner.segment.performance"].with_user(user)
            values = Report.with_context(default_segment_id=hidden.id, default_partner_id=self.secret.id).onchange(
                {}, [], spec
            )["value"]
            self.assertFalse(values.get("segment_id"), user.login)
            self.assertFalse(values.get("partner_id"), user.login)
            self.assertNotIn("A's hidden name", str(values))
        shown = (
            self.env["res.partner.segment.performance"]
            .with_user(self.user_b)
            .with_context(default_segment_id=self.global_segment.id)
            .onchange({}, [], spec)["value"]
        )
        self.assertEqual(shown["segment_id"]["display_name"], self.global_segment.name)

    def test_a_sync_of_a_segment_with_members_its_user_may_not_read_is_refused(self):
        """A company's static segment keeps a partner moved to another company: its sync by
        a user who no longer reads that partner removed the partner's subscription."""
        self.paris.email = "paris@example.com"
        b_static = self.static("B's two", self.company_b, self.lille | self.paris)
        mlist = self.env["mailing.list"].create({"name": "Moved"})
        Wizard = self.env["res.partner.segment.mailing.wizard"].with_user(self.manager_b)
        values = {"segment_ids": [(6, 0, b_static.ids)], "mailing_list_id": mlist.id}
        Wizard.create({**values, "mode": "add"}).action_apply()
        self.paris.company_id = self.company_a
        wizard = Wizard.create({**values, "mode": "sync"})
        self.assertEqual(wizard.count_remove, 0)
        with self.assertRaisesRegex(UserError, "members you may not read"):
            wizard.action_apply()
        self.assertEqual(self.emails(mlist), ["lille@example.com", "paris@example.com"])

    def test_no_default_names_a_hidden_segment_as_values_or_in_lines(self):
        """A many2one default given as a dict of values is a new record made from the saved
        one (its name shows); lines a default creates hold many2ones too."""
        hidden = self.static("A's hidden name", self.company_a, self.secret)
        spec = {"segment_id": {"fields": {"display_name": {}}}}
        for user in (self.user_b, self.portal):
            for model in ("res.partner.segment.performance", "res.partner.segment.explain.wizard"):
                Model = self.env[model].with_user(user).with_context(default_segment_id={"id": hidden.id})
                with self.subTest(user=user.login, model=model):
                    self.assertNotIn("A's hidden name", str(Model.onchange({}, [], spec)))
            lines = [Command.create({"segment_a_id": hidden.id, "segment_b_id": hidden.id})]
            Overlap = self.env["res.partner.segment.overlap.wizard"].with_user(user)
            result = Overlap.with_context(default_line_ids=lines).onchange(
                {}, [], {"line_ids": {"fields": {"segment_a_id": {"fields": {"display_name": {}}}}}}
            )
            self.assertNotIn("A's hidden name", str(result))
        readable = self.env["res.partner.segment.explain.wizard"].with_user(self.user_b)
        shown = readable.with_context(default_segment_id=self.global_segment.id).onchange({}, [], spec)
        self.assertEqual(shown["value"]["segment_id"]["display_name"], self.global_segment.name)


@tagged("post_install", "-at_install")
class TestRedTeamFourteenthRound(AccessCase):
    """Round 14: the member count in exports, and members put into static segments by hand
    from the wizard or the partner (not through the segment's own write)."""

    def test_exports_give_the_member_count_the_user_reads(self):
        self.env.ref("base.group_allow_export").users |= self.user_b
        self.assertEqual(self.global_segment.member_count, 3, "stored: A's private partner counted")
        segment = self.global_segment.with_user(self.user_b)
        self.assertEqual(segment.export_data(["name", "member_count"])["datas"], [[segment.name, 2]])
        partner = self.ghent.with_user(self.user_b).with_context(import_compat=False)
        self.assertEqual(
            partner.export_data(["name", "segment_ids/member_count"])["datas"], [[self.ghent.name, 2]]
        )
        self.assertEqual(
            self.global_segment.export_data(["member_count"])["datas"], [[3]], "a user of all: stored"
        )
        # round 15: any path from the count (Odoo exports the value of its first field)
        for path in ("member_count/id", "member_count/.id", "member_count/display_name"):
            with self.subTest(path=path):
                self.assertEqual(segment.export_data([path])["datas"], [[2]])
                self.assertEqual(partner.export_data([f"segment_ids/{path}"])["datas"], [[2]])

    def test_no_partner_is_made_inside_a_segment_write(self):
        """A partner created by a segment's write, (0, 0, values), was linked unchecked: a
        user of two companies put one of company A into company B's segment."""
        b_static = self.static("B's static", self.company_b, self.lille)
        b_dynamic = self.make_segment("[('city', '=', 'Lille')]", company_id=self.company_b.id)
        made = Command.create({"name": "Made inside", "company_id": self.company_a.id})
        for segment, fname in ((b_static, "partner_ids"), (b_dynamic, "include_partner_ids")):
            with self.subTest(field=fname), self.assertRaisesRegex(UserError, "Create the partner first"):
                segment.with_user(self.manager_b).write({fname: [made]})
        with self.assertRaisesRegex(UserError, "Create the partner first"):
            self.Segment.with_user(self.manager_b).create(
                {"name": "Made", "segment_type": "static", "company_id": self.company_b.id, "partner_ids": [made]}
            )
        self.assertFalse(self.Partner.search([("name", "=", "Made inside")]))

    def test_a_shared_segment_form_is_read_only_to_a_user_of_some_companies(self):
        """Its form let a manager of one company edit everything, then refused the save."""
        form = Form(self.global_segment.with_user(self.manager_b))
        for fname, value in (
            ("name", "Mine now"),
            ("domain", "[]"),
            ("refresh_interval", 1),
            ("holdout_percent", 5),
        ):
            with self.subTest(field=fname), self.assertRaisesRegex(AssertionError, "readonly"):
                setattr(form, fname, value)
        form = Form(self.global_segment)
        form.name = "Ghent, all companies"
        self.assertEqual(form.save().name, "Ghent, all companies")

    def test_members_of_a_shared_segment_are_changed_by_hand_only_by_a_user_of_every_company(self):
        shared = self.Segment.create(
            {"name": "Shared static", "segment_type": "static", "company_id": False, "partner_ids": self.lille.ids}
        )
        Wizard = self.env["res.partner.segment.add.wizard"].with_user(self.user_b)
        for operation, partner in (("remove", self.lille), ("add", self.ghent)):
            wizard = Wizard.create({"operation": operation, "segment_id": shared.id, "partner_ids": partner.ids})
            with self.subTest(operation=operation), self.assertRaisesRegex(ValidationError, "every company"):
                wizard.action_apply()
        for command in (Command.unlink(shared.id), Command.link(shared.id)):
            with self.subTest(command=command), self.assertRaisesRegex(ValidationError, "every company"):
                self.lille.with_user(self.manager_b).write({"static_segment_ids": [command]})
        self.assertEqual(self.members(shared), self.lille)

    def test_members_by_hand_are_partners_the_user_reads_in_the_segment_company(self):
        both = self.user_of_both("seg_user_ab", "partner_segmentation.group_segment_user")
        b_static = self.static("B's static", self.company_b, self.lille)
        context = {"allowed_company_ids": [self.company_b.id, self.company_a.id]}
        Wizard = self.env["res.partner.segment.add.wizard"].with_user(both).with_context(**context)
        wizard = Wizard.create({"operation": "add", "segment_id": b_static.id, "partner_ids": self.secret.ids})
        with self.assertRaises(AccessError):
            wizard.action_apply()
        with self.assertRaises(AccessError):
            self.secret.with_user(both).with_context(**context).write(
                {"static_segment_ids": [Command.link(b_static.id)]}
            )
        self.assertEqual(self.members(b_static), self.lille)
        Wizard.create(
            {"operation": "add", "segment_id": b_static.id, "partner_ids": self.ghent.ids}
        ).action_apply()
        self.assertEqual(self.members(b_static), self.lille | self.ghent, "a partner B may read is added")

    def test_a_linked_list_gets_only_the_members_the_segment_company_sees(self):
        """The scheduler syncs a list with every segment linked to it: a company's static
        segment keeps a partner moved to another company, whose address reached the list
        (readable by that company's marketers) and stayed there."""
        self.paris.email = "paris@example.com"
        b_static = self.static("B's static", self.company_b, self.lille | self.paris)
        b_ghent = self.make_segment("[('city', '=', 'Ghent')]", company_id=self.company_b.id)
        mlist = self.env["mailing.list"].create({"name": "Linked in B"})
        (b_static | b_ghent).mailing_list_ids = mlist
        b_ghent.action_recompute()
        self.assertEqual(self.emails(mlist), ["ghent@example.com", "lille@example.com", "paris@example.com"])
        self.paris.company_id = self.company_a
        b_ghent.action_recompute()
        self.assertFalse(b_ghent.last_error)
        self.assertEqual(self.emails(mlist), ["ghent@example.com", "lille@example.com"], "Paris moved to A: gone")
        self.assertIn(self.paris, self.members(b_static), "the static member itself is kept")
        # a pin the same: pinned while in B, then moved
        pinned = self.Partner.create({"name": "Pinned", "email": "pinned@example.com"})
        b_ghent.include_partner_ids = pinned
        b_ghent.action_recompute()
        self.assertIn("pinned@example.com", self.emails(mlist))
        pinned.company_id = self.company_a
        b_ghent.action_recompute()
        self.assertEqual(
            self.emails(mlist), ["ghent@example.com", "lille@example.com"], "the pin moved to A: gone"
        )
