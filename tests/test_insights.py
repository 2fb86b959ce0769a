import csv
import hashlib
import io
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..engine import insights
from ..engine.lifecycle import STAGES
from ..wizards import res_partner_segment_overlap_wizard as overlap_wizard
from .common import SegmentCase


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@tagged("post_install", "-at_install")
class TestSegmentInsights(SegmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ghent_seg = cls.Segment.create({"name": "In Ghent", "domain": "[('city', '=', 'Ghent')]"})
        cls.vip_seg = cls.Segment.create(
            {"name": "Tagged VIP", "domain": f"[('category_id', 'in', [{cls.tag_vip.id}])]"}
        )
        cls.mail_seg = cls.Segment.create(
            {"name": "With email", "domain": "[('email', '!=', False), ('name', 'like', 'Seg')]"}
        )

    def test_entries_and_exits_are_logged_after_the_first_build(self):
        self.ghent_seg.action_recompute()
        Event = self.env["res.partner.segment.event"]
        self.assertFalse(
            Event.search([("segment_id", "=", self.ghent_seg.id)]),
            "first build: everyone joins, no event per partner",
        )
        self.lille.city, self.ghent.city = "Ghent", "Bruges"
        self.ghent_seg.action_recompute()
        events = Event.search([("segment_id", "=", self.ghent_seg.id)])
        self.assertEqual({(e.partner_id, e.kind) for e in events}, {(self.lille, "joined"), (self.ghent, "left")})

    def test_a_segment_built_empty_logs_who_joins_it_later(self):
        """A segment whose first build found nobody is built: who joins it later is logged
        and given its join action, as in any other rebuild."""
        tag, action = self.tagging_action("Joined Namur")
        segment = self.Segment.create(
            {"name": "In Namur", "domain": "[('city', '=', 'Namur')]", "on_join_action_id": action.id}
        )
        segment.action_recompute()
        self.assertEqual(segment.member_count, 0)
        self.lille.city = "Namur"
        segment.action_recompute()
        events = self.env["res.partner.segment.event"].search([("segment_id", "=", segment.id)])
        self.assertEqual([(e.partner_id, e.kind) for e in events], [(self.lille, "joined")])
        self.assertEqual(tag.partner_ids, self.lille)

    def test_overlap_of_too_many_segments_or_for_too_long_is_refused_clearly(self):
        """Every pair is a cell and a self-join of the members (found by a security review:
        any segmentation user could choose hundreds)."""
        Overlap = self.env["res.partner.segment.overlap.wizard"].with_user(self.manager_a)
        many = self.Segment.create([{"name": f"Overlap {i}", "segment_type": "static"} for i in range(21)])
        with self.assertRaises(UserError) as caught:
            Overlap.create({"segment_ids": [(6, 0, many.ids)]}).action_compute()
        self.assertIn("at most 20 segments", str(caught.exception))
        wizard = Overlap.create({"segment_ids": [(6, 0, many[:20].ids)]})
        wizard.action_compute()
        self.assertEqual(len(wizard.line_ids), 400)

        def slow(cr, segment_ids, visible=None):  # a real statement, longer than the limit
            cr.execute("SELECT pg_sleep(0.5)")

        with (
            patch.object(overlap_wizard, "OVERLAP_TIMEOUT", "100ms"),
            patch.object(insights, "overlaps", slow),
            self.assertRaises(UserError) as caught,
        ):
            wizard.action_compute()
        self.assertIn("took more than 100ms", str(caught.exception))
        self.assertEqual(len(wizard.line_ids), 400, "the transaction goes on, the last matrix kept")

    def test_overlap_matrix_matches_counts_done_another_way(self):
        segments = self.ghent_seg | self.vip_seg | self.mail_seg
        segments.action_recompute()
        wizard = (
            self.env["res.partner.segment.overlap.wizard"]
            .with_user(self.manager_a)
            .create({"segment_ids": [(6, 0, segments.ids)]})
        )
        action = wizard.action_compute()
        self.assertEqual(len(wizard.line_ids), 9)
        in_any = len(segments.mapped("partner_ids"))
        self.assertEqual(action["name"], f"Segment overlap: {in_any} partners in at least one")
        for line in wizard.line_ids:
            both = set(line.segment_a_id.partner_ids.ids) & set(line.segment_b_id.partner_ids.ids)
            self.assertEqual(line.shared_count, len(both))
            size = len(line.segment_a_id.partner_ids)
            self.assertAlmostEqual(line.share_percent, 100.0 * len(both) / size if size else 0, 1)
        totals = dict(
            self.env["res.partner.segment.overlap.wizard.line"]._read_group(
                [("overlap_id", "=", wizard.id)], ["segment_a_id"], ["shared_count:max"]
            )
        )
        for segment in segments:
            self.assertEqual(totals[segment], len(segment.partner_ids), "a row's total is the segment's size")
        cell = wizard.line_ids.filtered(
            lambda line: line.segment_a_id == self.ghent_seg and line.segment_b_id == self.vip_seg
        )
        self.assertEqual(cell.shared_count, 1)
        action = cell.action_open_partners()
        self.assertEqual(self.Partner.search(action["domain"]), self.vip)
        self.assertEqual(
            insights.overlaps(self.env.cr, segments.ids)[
                (min(self.ghent_seg.id, self.vip_seg.id), max(self.ghent_seg.id, self.vip_seg.id))
            ],
            1,
        )

    def explain(self, partner, segment):
        return (
            self.env["res.partner.segment.explain.wizard"]
            .with_user(self.manager_a)
            .create({"partner_id": partner.id, "segment_id": segment.id})
        )

    def test_explanation_for_a_partner_that_meets_and_one_that_fails(self):
        segment = self.make_segment(
            f"[('city', '=', 'Ghent'), ('category_id', 'in', [{self.tag_vip.id}]), "
            "('sale_order_ids', 'any', [('state', '=', 'sale')])]",
            name="Explained",
        )
        # the explaining salesman sees his own orders only: the order is his
        self.confirmed_order(self.vip, "2026-01-05").user_id = self.manager_a
        segment.action_recompute()
        meets = self.explain(self.vip, segment)
        self.assertTrue(meets.is_member)
        self.assertEqual(meets.line_ids.mapped("met"), [True, True, True])
        self.assertEqual(meets.line_ids[0].partner_value, "Ghent")
        self.assertIn("Segment VIP", meets.line_ids[1].partner_value)
        self.assertIn("Meets the conditions", meets.verdict)
        fails = self.explain(self.lille, segment)
        self.assertFalse(fails.is_member)
        self.assertEqual(fails.line_ids.mapped("met"), [False, False, False])
        self.assertEqual(fails.line_ids[0].partner_value, "Lille")
        self.assertEqual(fails.line_ids[2].partner_value, "(none)")
        self.assertIn("Does not meet", fails.verdict)

    def test_explanation_words_conditions_as_the_domain_editor_does(self):
        """Field labels, the editor's operator words, stage labels and records by name;
        for a *match* condition, the orders that decided with their date and amount."""
        segment = self.make_segment(
            f"[('city', '=', 'Ghent'), ('category_id', 'in', [{self.tag_vip.id}]), ('email', '!=', False), "
            "('lifecycle_stage', 'in', ['onetime', 'dormant']), "
            "('sale_order_ids', 'any', ['|', ('state', '=', 'sale'), ('amount_untaxed', '>', 5)]), "
            "('days_since_last_purchase', '>', 30)]",
            name="Worded",
        )
        order = self.confirmed_order(self.vip, "2026-01-05")
        order.user_id = self.manager_a
        self.company_a.action_recompute_lifecycle()
        segment.action_recompute()
        lines = self.explain(self.vip, segment).line_ids
        self.assertEqual(
            lines.mapped("condition"),
            [
                "City = Ghent",
                "Tags is in Segment VIP",
                "Email is set",
                "Lifecycle stage is in One-time, Dormant",
                "Sales Order match (Status = Sales Order or Untaxed Amount > 5)",
                "Days since last purchase > 30",
            ],
        )
        self.assertTrue(lines[5].met, "the live figure of this one customer, counted from today")
        self.assertEqual(lines[5].partner_value, str((date.today() - date(2026, 1, 5)).days))
        stage = self.vip.with_company(self.company_a).lifecycle_stage
        self.assertTrue(stage)
        self.assertEqual(lines[3].partner_value, dict(STAGES)[stage], "the stage's label, not its key")
        decided = lines[4].partner_value
        self.assertIn(order.name, decided)
        self.assertIn("01/05/2026", decided, "the date that decided")
        self.assertIn("10.00", decided, "the amount that decided")
        self.env["sale.order"].create(  # a small quotation: neither confirmed nor over 5
            {
                "partner_id": self.lille.id,
                "user_id": self.manager_a.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": 0.25})],
            }
        )
        lille_lines = self.explain(self.lille, segment).line_ids
        self.assertEqual(lille_lines[5].partner_value, "(empty)", "no purchase: no day count")
        self.assertFalse(lille_lines[5].met)
        lille = lille_lines[4]
        self.assertFalse(lille.met)
        self.assertEqual(lille.partner_value, "1 Sales Order, none matching")

    def test_why_reads_the_figures_of_the_related_customers_a_condition_reaches(self):
        """A condition through a relation reaches other customers: their figures are not
        narrowed away (a parent whose child company bought recently)."""
        parent = self.Partner.create({"name": "Why parent", "is_company": True})
        child = self.Partner.create({"name": "Why child", "is_company": True, "parent_id": parent.id})
        self.assertEqual(child.commercial_partner_id, child)
        self.confirmed_order(child, date.today() - timedelta(days=2)).user_id = self.manager_a
        segment = self.make_segment("[('child_ids', 'any', [('purchase_count_30d', '>', 0)])]", name="Why parent")
        segment.action_recompute()
        explained = self.explain(parent, segment)
        self.assertTrue(explained.is_member)
        self.assertEqual(explained.line_ids.mapped("met"), [True])
        self.assertIn("Meets the conditions", explained.verdict)

    def test_figures_narrowed_to_one_customer_only_from_code(self):
        """The Why? reads the figures of one customer; a context from a client (JSON: a
        list) cannot narrow the figures a segment is computed from."""
        Figures = self.env["res.partner.purchase.figures"]
        narrowed = Figures.with_context(partner_segmentation_figures_of=frozenset(self.vip.ids))._table_query
        self.assertIn("commercial_partner_id IN", narrowed.code)
        from_client = Figures.with_context(partner_segmentation_figures_of=self.vip.ids)._table_query
        self.assertNotIn("commercial_partner_id IN", from_client.code)

    def test_why_opens_on_a_segment_of_the_partner(self):
        self.ghent_seg.action_recompute()
        Explain = self.env["res.partner.segment.explain.wizard"].with_user(self.manager_a)
        defaults = Explain.with_context(active_model="res.partner", active_id=self.ghent.id).default_get(
            ["partner_id", "segment_id"]
        )
        self.assertEqual(defaults["segment_id"], self.ghent_seg.id)

    def test_explanation_says_when_a_pin_or_exclusion_decided(self):
        segment = self.make_segment(
            "[('city', '=', 'Ghent')]",
            name="Pinned",
            include_partner_ids=[(4, self.paris.id)],
            exclude_partner_ids=[(4, self.ghent.id)],
        )
        segment.action_recompute()
        pinned = self.explain(self.paris, segment)
        self.assertTrue(pinned.is_member)
        self.assertFalse(pinned.line_ids.met)
        self.assertIn("Pinned", pinned.verdict)
        excluded = self.explain(self.ghent, segment)
        self.assertFalse(excluded.is_member)
        self.assertTrue(excluded.line_ids.met)
        self.assertIn("Excluded", excluded.verdict)

    def test_audit_filters(self):
        self.ghent_seg.action_recompute()
        self.env.cr.execute(
            "UPDATE res_partner_segment SET next_recompute_at = now() - interval '2 hours' " "WHERE id = %s",
            [self.vip_seg.id],
        )
        self.env.invalidate_all()
        Segment = self.Segment.with_user(self.manager_a)
        names = ["In Ghent", "Tagged VIP", "With email"]
        self.assertIn(self.vip_seg, Segment.search([("is_stale", "=", True), ("name", "in", names)]))
        self.assertNotIn(self.ghent_seg, Segment.search([("is_stale", "=", True)]))
        self.assertIn(self.mail_seg, Segment.search([("member_count", "=", 0)]))
        never = Segment.search(
            [("last_mailing_at", "=", False), ("mailing_list_ids", "=", False), ("name", "in", names)]
        )
        self.assertEqual(len(never), 3)
        self.mail_seg.last_error = "column x does not exist"
        # the audit's column says which filters each segment falls under, read by a manager
        # who may not read mailing lists
        self.assertEqual(Segment.browse(self.ghent_seg.id).audit_findings, "Never used in a mailing")
        self.assertEqual(Segment.browse(self.vip_seg.id).audit_findings, "Stale, Empty, Never used in a mailing")
        self.assertTrue(Segment.browse(self.mail_seg.id).audit_findings.startswith("Failing, "))
        mlist = self.env["mailing.list"].create({"name": "Audit list"})
        self.ghent_seg._push_to_list(mlist, "add")
        self.assertNotIn(self.ghent_seg, Segment.search([("last_mailing_at", "=", False)]))
        self.env.invalidate_all()
        self.assertFalse(Segment.browse(self.ghent_seg.id).audit_findings, "nothing left to audit")
        audit = self.env.ref("partner_segmentation.res_partner_segment_audit_action")
        self.assertIn("search_default_stale", audit.context)

    def test_the_audit_says_empty_of_a_shared_segment_whose_members_the_user_may_not_read(self):
        self.Partner.create({"name": "Only in B", "city": "Bruges", "company_id": self.company_b.id})
        shared = self.Segment.create(
            {"name": "In Bruges", "domain": "[('city', '=', 'Bruges')]", "company_id": False}
        )
        shared.action_recompute()
        self.assertEqual(shared.member_count, 1)
        seen = shared.with_user(self.manager_a)
        self.assertEqual(seen.visible_member_count, 0)
        self.assertIn(seen, seen.search([("member_count", "=", 0)]), "the audit's Empty filter")
        # the column agrees with the filter: it tells nothing of the other company's member
        self.assertEqual(seen.audit_findings, "Empty, Never used in a mailing")

    def tagging_action(self, tag_name):
        """A new tag, and a server action that gives it to the partners it runs on."""
        tag = self.env["res.partner.category"].create({"name": tag_name})
        action = self.env["ir.actions.server"].create(
            {
                "name": "Tag newcomers",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "state": "code",
                "code": f"records.write({{'category_id': [(4, {tag.id})]}})",
            }
        )
        return tag, action

    def test_automation_runs_on_partners_that_join(self):
        tag, action = self.tagging_action("Joined Ghent")
        self.ghent_seg.on_join_action_id = action
        self.ghent_seg.action_recompute()
        self.assertFalse(tag.partner_ids, "not on the first build")
        self.lille.city = "Ghent"
        self.ghent_seg.action_recompute()
        self.assertEqual(tag.partner_ids, self.lille)

    def test_csv_export_of_members(self):
        self.ghent_seg.action_recompute()
        stream = io.BytesIO()
        insights.copy_csv(self.env.cr, insights.export_query(self.ghent_seg.id, "members"), stream)
        rows = list(csv.DictReader(io.StringIO(stream.getvalue().decode())))
        self.assertEqual({int(r["ID"]) for r in rows}, set(self.ghent_seg.partner_ids.ids))
        action = self.ghent_seg.action_export_members()
        self.assertIn(f"/segment/{self.ghent_seg.id}/export/members", action["url"])

    def test_exports_leave_archived_members_out(self):
        """A static segment keeps an archived partner (unarchived, it is back), but neither
        export hands it on: no Odoo list shows it either."""
        segment = self.make_segment(
            "", segment_type="static", partner_ids=[(6, 0, (self.ghent | self.lille).ids)], name="Fair"
        )
        self.lille.action_archive()
        self.env.flush_all()
        for kind in ("members", "audience"):
            stream = io.BytesIO()
            insights.copy_csv(self.env.cr, insights.export_query(segment.id, kind), stream)
            rows = list(csv.DictReader(io.StringIO(stream.getvalue().decode())))
            self.assertEqual(len(rows), 1, kind)
        self.assertIn(self.lille, segment.with_context(active_test=False).partner_ids, "kept")

    def test_ad_audience_hashes_follow_the_normalization_rules(self):
        belgium = self.env.ref("base.be")
        partner = self.Partner.create(
            {
                "name": "  Émile Van Damme ",
                "email": "  Emile.VD@Example.COM ",
                "phone": "0472 12-34 56",
                "country_id": belgium.id,
                "zip": "9000",
                "city": "Audience",
            }
        )
        plus = self.Partner.create({"name": "Plus Phone", "phone": "+32 (0)9 111 22 33", "city": "Audience"})
        company = self.Partner.create(
            {"name": "Brasserie De Koninck", "is_company": True, "email": "info@dekoninck.be", "city": "Audience"}
        )
        self.Partner.create(
            {"name": "Jo Peeters", "parent_id": company.id, "email": "jo@dekoninck.be", "city": "Audience"}
        )
        segment = self.make_segment("[('city', '=', 'Audience')]")
        segment.action_recompute()
        stream = io.BytesIO()
        insights.copy_csv(self.env.cr, insights.export_query(segment.id, "audience"), stream)
        rows = list(csv.DictReader(io.StringIO(stream.getvalue().decode())))
        self.assertEqual(
            list(rows[0].keys()), ["Email", "Phone", "First Name", "Last Name", "Company", "Country", "Zip"]
        )
        by_email = {row["Email"]: row for row in rows}
        brewery = by_email[sha("info@dekoninck.be")]
        self.assertEqual((brewery["First Name"], brewery["Last Name"]), ("", ""), "a company is not split")
        self.assertEqual(brewery["Company"], "Brasserie De Koninck", "a company's name goes whole")
        jo = by_email[sha("jo@dekoninck.be")]
        self.assertEqual((jo["First Name"], jo["Last Name"]), (sha("jo"), sha("peeters")))
        self.assertEqual(jo["Company"], "Brasserie De Koninck", "a contact carries its company's name")
        rows = [row for row in rows if row not in (brewery, jo)]
        first = rows[0] if rows[0]["Zip"] else rows[1]
        self.assertEqual(first["Email"], sha("emile.vd@example.com"))
        self.assertEqual(first["Phone"], sha("+32472123456"))
        self.assertEqual(first["First Name"], sha("émile"))
        self.assertEqual(first["Last Name"], sha("van damme"))
        self.assertEqual((first["Country"], first["Zip"]), ("BE", "9000"))
        other = rows[1] if first is rows[0] else rows[0]
        self.assertEqual(other["Phone"], sha("+3291112233"), "the (0) trunk prefix is dropped")
        self.assertEqual(other["Email"], "", "no email: left empty, not the hash of nothing")
        self.assertEqual(len(rows), len(partner | plus), "one row per member")


@tagged("post_install", "-at_install")
class TestSegmentTemplates(SegmentCase):
    XMLIDS = ("last_year_not_this_year", "sleeping", "vip", "no_email", "new_this_month", "one_time")

    def test_templates_select_the_right_partners(self):
        templates = {x: self.env.ref(f"partner_segmentation.template_{x}") for x in self.XMLIDS}
        company = self.env.ref("base.main_company")
        with freeze_time("2026-06-15"):
            self._check_templates(templates, company, date(2026, 6, 15))

    def test_a_template_makes_a_segment_of_the_users_company_in_every_company(self):
        manager_b = new_test_user(
            self.env,
            login="seg_template_manager_b",
            company_id=self.company_b.id,
            company_ids=self.company_b.ids,
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "partner_segmentation.group_segment_manager",
        )
        sleeping = self.env.ref("partner_segmentation.template_sleeping")
        for user, company in ((self.manager_a, self.company_a), (manager_b, self.company_b)):
            action = sleeping.with_user(user).action_use()
            segment = self.Segment.browse(action["res_id"])
            self.assertEqual((action["res_model"], segment.company_id), ("res.partner.segment", company))
            self.assertEqual((segment.name, segment.domain), (sleeping.name, sleeping.domain))
            self.assertEqual((segment.segment_type, segment.author_id), ("dynamic", user))
        self.assertEqual(
            self.Segment.search_count([("name", "=", sleeping.name)]), 2, "the template stays as it was"
        )
        with self.assertRaises(AccessError):
            sleeping.with_user(self.user_b).action_use()  # a segmentation user does not create segments

    def test_a_template_is_refused_to_a_user_who_may_not_read_its_conditions(self):
        no_figures = new_test_user(
            self.env,
            login="seg_template_no_figures",
            groups="base.group_user,partner_segmentation.group_segment_manager",
        )
        vip = self.env.ref("partner_segmentation.template_vip").with_user(no_figures)
        self.assertTrue(vip.name, "the gallery is open to every segmentation user")
        with self.assertRaises(ValidationError):
            vip.action_use()

    def _check_templates(self, templates, company, today):
        old, recent, big = self.Partner.create(
            [
                {"name": "T old buyer", "email": "old@example.com"},
                {"name": "T recent once"},
                {"name": "T big spender", "email": "big@example.com"},
            ]
        )
        self.confirmed_order(old, today - timedelta(days=400), company)
        self.confirmed_order(old, today - timedelta(days=380), company)
        self.confirmed_order(recent, today.replace(day=1), company)
        order = self.confirmed_order(big, today - timedelta(days=30), company)
        order.order_line.product_uom_qty = 2000  # 2000 x 10 = 20000 untaxed
        company.action_recompute_lifecycle()
        segments = {}
        for xmlid, template in templates.items():
            segments[xmlid] = self.Segment.browse(template.with_company(company).action_use()["res_id"])
            segments[xmlid].action_recompute()
            self.assertFalse(segments[xmlid].last_error, template.name)
        members = {x: s.partner_ids & (old | recent | big) for x, s in segments.items()}
        self.assertEqual(members["sleeping"], old)
        self.assertEqual(members["vip"], big)
        self.assertEqual(members["no_email"], recent)
        self.assertEqual(members["new_this_month"], recent)
        self.assertEqual(members["one_time"], recent | big)
        last_year_buyers = old if (today - timedelta(days=380)).year == today.year - 1 else old.browse()
        self.assertEqual(members["last_year_not_this_year"], last_year_buyers)
