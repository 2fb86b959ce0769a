from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import SegmentCase, migration


@tagged("post_install", "-at_install")
class TestSegmentValidation(SegmentCase):
    def assertRefused(self, domain, *fragments):
        with self.assertRaises(ValidationError) as caught:
            self.make_segment(domain, name="Bad")
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def test_domain_that_does_not_parse(self):
        self.assertRefused("[('city', '=', 'Ghent'", "not valid Python")

    def test_domain_that_is_not_a_list(self):
        self.assertRefused("'city'", "list of conditions")

    def test_unknown_field(self):
        self.assertRefused("[('no_such_field', '=', 1)]", "no_such_field")

    def test_unknown_operator(self):
        self.assertRefused("[('city', 'resembles', 'Ghent')]", "resembles")

    def test_code_is_refused(self):
        self.assertRefused("[('id', '=', __import__('os').getpid())]", "not allowed")
        self.assertRefused("[('name', '=', env.user.name)]", "env")
        self.assertRefused("[('name', 'in', [x for x in 'ab'])]", "not a plain value")
        self.assertRefused("[('name', '=', ''.join(['a']))]", "not allowed")

    def test_date_helpers_are_allowed(self):
        segment = self.make_segment(
            "[('create_date', '>=', (context_today() - relativedelta(days=30)).strftime('%Y-%m-%d')),"
            " ('write_date', '>=', datetime.datetime.now() - datetime.timedelta(days=365))]"
        )
        segment.action_recompute()
        self.assertIn(self.ghent, self.members(segment))

    def test_segment_using_itself_is_refused(self):
        segment = self.make_segment("[('city', '=', 'Ghent')]")
        with self.assertRaises(ValidationError) as caught:
            segment.domain = f"[('segment_ids', 'in', [{segment.id}])]"
        self.assertIn("cannot use itself", str(caught.exception))

    def test_indirect_cycle_is_refused(self):
        first = self.make_segment("[('city', '=', 'Ghent')]", name="First")
        second = self.make_segment(f"[('segment_ids', 'in', [{first.id}])]", name="Second")
        with self.assertRaises(ValidationError):
            first.domain = f"[('segment_ids', 'in', [{second.id}])]"

    def test_cycle_by_name_is_refused(self):
        first = self.make_segment("[('city', '=', 'Ghent')]", name="Loop one")
        with self.assertRaises(ValidationError):
            first.domain = "[('segment_ids.name', '=', 'Loop one')]"

    def test_pinned_and_excluded_at_once_is_refused(self):
        with self.assertRaises(ValidationError):
            self.make_segment(
                "[]", include_partner_ids=[(4, self.ghent.id)], exclude_partner_ids=[(4, self.ghent.id)]
            )

    def test_domain_broken_later_records_error_and_others_go_on(self):
        broken = self.make_segment("[('city', '=', 'Ghent')]", name="Broken later")
        fine = self.make_segment("[('city', '=', 'Lille')]", name="Fine")
        # a field the domain used is gone (module uninstalled, custom field deleted)
        self.env.cr.execute(
            "UPDATE res_partner_segment SET domain = %s WHERE id = %s",
            ["[('x_removed_field', '=', 1)]", broken.id],
        )
        self.env.invalidate_all()
        (broken | fine).action_recompute()
        self.assertIn("x_removed_field", broken.last_error)
        self.assertFalse(fine.last_error)
        self.assertEqual(self.members(fine), self.lille)
        # once repaired, the error is cleared
        broken.domain = "[('city', '=', 'Ghent')]"
        broken.action_recompute()
        self.assertFalse(broken.last_error)
        self.assertIn(self.ghent, self.members(broken))

    def test_refresh_interval_must_be_positive(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.make_segment("[]", refresh_interval=0)

    # ------------------------------------------------------------------ issue 10, 10 and 11

    def test_fields_that_cannot_be_searched_are_refused(self):
        self.assertRefused("[('segment_count', '>', 0)]", "segment_count", "cannot be searched")
        self.assertRefused("[('user_ids.password', '=', 'x')]", "password", "cannot be searched")

    def test_bad_values_are_refused_on_save(self):
        self.assertRefused("[('name', '=', 'a\\x00b')]", "NUL")
        self.assertRefused("[('create_date', '>=', 'not-a-date')]", "not-a-date")
        self.assertRefused("[('id', '=', 1e999)]", "inf")
        self.assertRefused("[('category_id', 'in', ['abc', 1.5])]")

    def test_one_condition_without_its_list_gets_a_message(self):
        self.assertRefused("('name', '=', 'x')", "one condition", "[('name', '=', 'x')]")

    def test_the_message_names_what_was_typed(self):
        self.assertRefused("[('id', '=', 2 * 3)]", "2 * 3")
        self.assertRefused("[('id', '=', 2 ** 3)]", "2 ** 3")

    def test_cycles_through_any_path_are_refused(self):
        for path in (
            "dynamic_segment_ids",
            "static_segment_ids",
            "parent_id.segment_ids",
            "child_ids.segment_ids",
        ):
            segment = self.make_segment("[('city', '=', 'Ghent')]", name=f"Via {path}")
            with self.assertRaises(ValidationError, msg=path):
                segment.domain = f"[('{path}', 'in', [{segment.id}])]"
        segment = self.make_segment("[('city', '=', 'Ghent')]", name="Via any")
        with self.assertRaises(ValidationError):
            segment.domain = f"[('child_ids', 'any', [('segment_ids', 'in', [{segment.id}])])]"
        with self.assertRaises(ValidationError):
            segment.domain = (
                f"[('parent_id', 'not any', [('segment_ids', 'any', " f"[('id', '=', {segment.id})])])]"
            )

    def test_in_any_segment_or_in_none_uses_every_segment(self):
        """ "Segments is set" (in any segment) and "is not set" (in none) read every segment
        (Odoo does not keep to static ones for "Static segments is set"), and a name read
        "like" every segment so named: this one too, refused (its members fed themselves, or
        left and came back at each recompute)."""
        for domain in (
            "[('segment_ids', '!=', False)]",
            "[('segment_ids', '=', False)]",
            "[('city', '=', 'Ghent'), ('dynamic_segment_ids', 'in', [False])]",
            "[('static_segment_ids', '!=', False)]",
            "[('child_ids.segment_ids', '=', None)]",
            "[('segment_ids', 'ilike', 'Loop')]",
            "[('segment_ids', 'not ilike', 'op li')]",
            "[('segment_ids', '=', %(self)s.0)]",
            "[('segment_ids.partner_ids.segment_ids', 'in', [%(self)s])]",
            "[('segment_ids', 'any', [('partner_ids', 'any', [('segment_ids', 'in', [%(self)s])])])]",
            "[('segment_ids', 'any', [('include_partner_ids.segment_ids', 'in', [%(self)s])])]",
        ):
            with self.assertRaises(ValidationError, msg=domain) as caught:  # in a savepoint
                segment = self.make_segment("[('city', '=', 'Ghent')]", name="Loop list")
                segment.domain = domain % {"self": segment.id}
            self.assertIn("cannot use itself", str(caught.exception))
        # named after the save ("not contains 'Later'" in a segment renamed "Later"): the
        # condition reads every segment from the start, this one too
        with self.assertRaises(ValidationError):
            self.make_segment("[('city', '=', 'Ghent'), ('segment_ids', 'not ilike', 'Later')]", name="Now")
        loop = self.make_segment("[('city', '=', 'Ghent')]", name="Loop")
        by_id = self.make_segment(f"[('segment_ids', 'in', [{loop.id}])]", name="By id")
        self.assertEqual(by_id.depends_on_ids, loop, "chosen by id: those it names")

    def lists_of_both_companies(self, name):
        """Segments as a manager of both companies, and a static segment ``name`` of each."""
        both = new_test_user(
            self.env,
            login=f"seg_manager_both_{name}",
            company_id=self.company_a.id,
            company_ids=(self.company_a | self.company_b).ids,
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        Segment = self.Segment.with_user(both).with_context(
            allowed_company_ids=(self.company_a | self.company_b).ids
        )
        lists = Segment.create(
            [
                {"name": f"{name} {letter}", "segment_type": "static", "company_id": company.id}
                for letter, company in (("A", self.company_a), ("B", self.company_b))
            ]
        )
        return (Segment, *lists)

    def test_what_a_segment_uses_is_read_in_its_company(self):
        """As the scheduler reads it, not in the companies the writer's switcher shows: a
        company B segment it never reads would keep that one from being deleted."""
        Segment, ours, theirs = self.lists_of_both_companies("Zq list")
        using = Segment.create(
            {
                "name": "Users of lists",
                "company_id": self.company_a.id,
                "domain": f"[('segment_ids', 'in', [{ours.id}, {theirs.id}])]",
            }
        )
        self.assertEqual(using.depends_on_ids, ours)
        theirs.unlink()
        self.assertFalse(theirs.exists())

    def test_saving_a_segment_answers_with_the_segments_it_uses_that_the_user_may_read(self):
        """Its recompute on save orders the segments as the superuser: read through the ORM,
        what they use stayed in the cache the answer to the save is read from (a use stored
        by an earlier version in the writer's companies: another company's segment)."""
        manager_b = new_test_user(
            self.env,
            login="seg_manager_b",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        listed = self.Segment.create(
            {"name": "B listed", "segment_type": "static", "company_id": self.company_b.id}
        )
        hidden = self.Segment.create(
            {"name": "A hidden", "segment_type": "static", "company_id": self.company_a.id}
        )
        using = self.make_segment(f"[('segment_ids', 'in', [{listed.id}])]", company_id=self.company_b.id)
        self.env.cr.execute(
            "INSERT INTO res_partner_segment_dependency (segment_id, depends_on_id) VALUES (%s, %s)",
            [using.id, hidden.id],
        )
        using.active = False
        self.env.invalidate_all()
        saved = using.with_user(manager_b).web_save({"active": True}, {"depends_on_ids": {}})
        self.assertEqual(saved[0]["depends_on_ids"], listed.ids)

    def test_moved_to_another_company_a_segment_uses_what_it_reads_there(self):
        Segment, in_a, in_b = self.lists_of_both_companies("Zq move")
        mover = Segment.create(
            {
                "name": "Mover",
                "company_id": self.company_b.id,
                "domain": f"[('segment_ids', 'in', [{in_a.id}, {in_b.id}])]",
            }
        )
        self.assertEqual(mover.depends_on_ids, in_b)
        mover.company_id = self.company_a
        self.assertEqual(mover.depends_on_ids, in_a)

    def test_saving_a_segment_shows_only_what_the_segments_it_uses_use_that_the_user_may_read(self):
        """The cycle check follows every use, other companies' too: followed through the ORM
        in sudo, they stayed in the cache the answer to the save is read from."""
        manager_b = new_test_user(
            self.env,
            login="seg_manager_b_cycle",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        hidden = self.Segment.create({"name": "A only", "segment_type": "static", "company_id": self.company_a.id})
        shared = self.make_segment(f"[('segment_ids', 'in', [{hidden.id}])]", name="Shared user", company_id=False)
        self.env.invalidate_all()
        spec = {"depends_on_ids": {"fields": {"depends_on_ids": {}}}}
        saved = (
            self.Segment.with_user(manager_b)
            .with_context(active_test=False)
            .web_save({"name": "B", "domain": f"[('segment_ids', 'in', [{shared.id}])]"}, spec)
        )
        self.assertEqual(saved[0]["depends_on_ids"], [{"id": shared.id, "depends_on_ids": []}])

    def test_a_segment_saved_using_itself_records_it_at_its_recompute(self):
        """Saved before such a use was refused on save: the migration reads its uses again,
        and its recompute records the error and keeps its members."""
        segment = self.make_segment("[('city', '=', 'Ghent')]", name="Old loop")
        segment.action_recompute()
        members = self.members(segment)
        self.env.cr.execute(
            "UPDATE res_partner_segment SET domain = %s WHERE id = %s",
            ["[('segment_ids', '!=', False)]", segment.id],
        )
        self.env.invalidate_all()
        script = migration("18.0.1.11.0")
        script.migrate(self.env.cr, "18.0.1.10.0")
        self.assertIn(segment, segment.depends_on_ids)
        segment.action_recompute()
        self.assertIn("uses itself", segment.last_error)
        self.assertEqual(self.members(segment), members)

    def test_a_segment_in_use_is_not_deleted(self):
        """Deleted, the segments using it selected no one from it: every member logged as
        leaving, their actions run, their lists emptied at the next sync."""
        base = self.make_segment("[('city', '=', 'Ghent')]", name="Used base")
        using = self.make_segment(f"[('segment_ids', 'in', [{base.id}])]", name="Its user")
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Spring offer",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "segment_ids": [(6, 0, base.ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "“Its user”, “Spring offer”"):
            base.unlink()
        with self.assertRaisesRegex(UserError, r"use it \(“Its user”\)", msg="a mailing it may not read"):
            base.with_user(self.manager_a).unlink()
        mailing.state = "done"  # sent: its recipients are its traces
        (base | using).unlink()  # together: nothing left uses it
        self.assertFalse((base | using).exists())

    def test_a_segment_naming_a_deleted_segment_says_so_and_keeps_its_members(self):
        """Deleted before that was refused (or in SQL): the condition selected no one from
        it, silently."""
        base = self.make_segment("[('city', '=', 'Ghent')]", name="Base")
        using = self.make_segment(
            f"['|', ('segment_ids', 'in', [{base.id}]), ('city', '=', 'Lille')]", name="Its user"
        )
        (base | using).action_recompute()
        members = self.members(using)
        self.assertEqual(members, self.ghent | self.vip | self.lille)
        self.env.cr.execute("DELETE FROM res_partner_segment WHERE id = %s", [base.id])
        self.env.invalidate_all()
        using.action_recompute()
        self.assertIn(f"uses segments that no longer exist (ids {base.id})", using.last_error)
        self.assertEqual(self.members(using), members)

    def test_any_path_to_a_segment_orders_the_recompute(self):
        base = self.make_segment("[('city', '=', 'Ghent')]", name="Base")
        for domain in (
            f"[('parent_id.segment_ids', 'in', [{base.id}])]",
            f"[('child_ids', 'any', [('dynamic_segment_ids', 'in', [{base.id}])])]",
        ):
            user = self.make_segment(domain, name="User of base")
            self.assertEqual(user.depends_on_ids, base)
            self.assertEqual((user | base)._in_dependency_order().ids, [base.id, user.id])
