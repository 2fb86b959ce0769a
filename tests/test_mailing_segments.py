import ast

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMailingSegmentRecipients(TransactionCase):
    """Email Marketing with segments as recipients (``mailing.mailing.segment_ids``): the
    members at sending time, with Odoo's own email rules, as a marketing user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Mailing segments B"})
        cls.marketer = new_test_user(
            cls.env,
            login="ms_marketer",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,partner_segmentation.group_segment_manager",
        )
        Partner = cls.env["res.partner"]
        cls.ann, cls.ben, cls.cid, cls.dan, cls.eve = Partner.create(
            [
                {"name": "MS Ann", "email": "ann@example.com"},
                {"name": "MS Ben", "email": "ben@example.com"},
                {"name": "MS Cid"},  # no email
                {"name": "MS Dan", "email": "dan@example.com"},  # blacklisted
                {"name": "MS Eve", "email": "eve@example.com"},  # not a member
            ]
        )
        cls.env["mail.blacklist"].create({"email": "dan@example.com"})
        Segment = cls.env["res.partner.segment"]
        cls.one = Segment.create(
            {
                "name": "MS one",
                "segment_type": "static",
                "partner_ids": [(6, 0, (cls.ann | cls.cid | cls.dan).ids)],
            }
        )
        cls.two = Segment.create(
            {"name": "MS two", "segment_type": "static", "partner_ids": [(6, 0, cls.ben.ids)]}
        )
        cls.hidden = Segment.create(
            {"name": "MS other company", "segment_type": "static", "company_id": cls.company_b.id}
        )

    def new_mailing(self, segments):
        return (
            self.env["mailing.mailing"]
            .with_user(self.marketer)
            .create(
                {
                    "subject": "Segments",
                    "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "segment_ids": [(6, 0, segments.ids)],
                    "body_html": "<p>Hello</p>",
                }
            )
        )

    def test_recipients_are_the_members_at_sending_time(self):
        mailing = self.new_mailing(self.one | self.two)
        self.assertIn(("segment_ids", "in", (self.one | self.two).ids), ast.literal_eval(mailing.mailing_domain))
        self.one.write({"partner_ids": [(4, self.eve.id)]})  # joins after the mailing was written
        mailing.action_send_mail()
        traces = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        sent = traces.filtered(lambda t: t.trace_status != "cancel")
        self.assertEqual(set(sent.mapped("res_id")), {self.ann.id, self.ben.id, self.eve.id})
        self.assertEqual(
            {t.res_id: t.failure_type for t in traces - sent},
            {self.cid.id: "mail_email_missing"},
            "no email: cancelled; blacklisted (Dan): not a recipient at all",
        )

    def test_the_filter_cannot_widen_the_segments(self):
        mailing = self.new_mailing(self.two)
        mailing.mailing_domain = "[]"  # edited by hand afterwards
        self.assertEqual(mailing._get_recipients(), self.ben.ids)

    def test_only_members_the_responsible_may_read(self):
        secret = self.env["res.partner"].create(
            {"name": "MS secret", "email": "secret@example.com", "company_id": self.company_b.id}
        )
        shared = self.env["res.partner.segment"].create(
            {
                "name": "MS shared",
                "segment_type": "static",
                "company_id": False,
                "partner_ids": [(6, 0, (self.ann | secret).ids)],
            }
        )
        mailing = self.new_mailing(shared)
        self.assertEqual(mailing.sudo()._get_recipients(), self.ann.ids, "company B's private contact is left out")

    def test_a_typed_filter_or_another_responsible_reaches_no_one_more(self):
        secret = self.env["res.partner"].create(
            {"name": "MS b", "email": "b@example.com", "company_id": self.company_b.id}
        )
        self.hidden.write({"partner_ids": [(6, 0, (secret | self.eve).ids)]})  # a segment of company B
        Mailing = self.env["mailing.mailing"].with_user(self.marketer)
        typed = Mailing.create(
            {
                "subject": "Typed",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "mailing_domain": repr([("segment_ids", "in", self.hidden.ids)]),
                "body_html": "<p>Hi</p>",
            }
        )
        self.assertEqual(typed.sudo()._get_recipients(), [], "nor Eve, whom the marketer reads, nor B's contact")
        chosen = self.new_mailing(self.one)
        chosen.user_id = self.env.ref("base.user_admin")  # anyone may be named responsible
        self.one.sudo().write({"partner_ids": [(4, secret.id)]})
        self.assertEqual(sorted(chosen.sudo()._get_recipients()), sorted((self.ann | self.cid).ids))

    def test_whoever_wrote_it_bounds_it_and_no_writer_reaches_no_one(self):
        secret = self.env["res.partner"].create(
            {"name": "MS b2", "email": "b2@example.com", "company_id": self.company_b.id}
        )
        self.hidden.write({"partner_ids": [(6, 0, secret.ids)]})
        by_admin = self.env["mailing.mailing"].create(
            {
                "subject": "Admin's",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "body_html": "<p/>",
            }
        )
        by_admin.with_user(self.marketer).mailing_domain = repr([("segment_ids", "in", self.hidden.ids)])
        self.assertEqual(
            by_admin.sudo()._get_recipients(), [], "the marketer wrote the filter: the marketer's rights"
        )
        orphan = self.new_mailing(self.one)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mailing_mailing SET create_uid = NULL, write_uid = NULL, user_id = NULL WHERE id = %s",
            [orphan.id],
        )
        orphan.invalidate_recordset()
        self.assertEqual(orphan.sudo()._get_recipients(), [], "no one left to answer for it: no one, not everyone")

    def test_a_responsible_without_segment_rights_does_not_stop_the_queue(self):
        seller = new_test_user(
            self.env, login="ms_plain_seller", groups="base.group_user,sales_team.group_sale_salesman"
        )
        mailing = self.new_mailing(self.one)
        mailing.user_id = seller
        self.assertEqual(mailing.sudo()._get_recipients(), [])

    def test_only_segments_the_user_may_read(self):
        with self.assertRaises(AccessError):
            self.env["mailing.mailing"].with_user(self.marketer).create(
                {
                    "subject": "Other company",
                    "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "segment_ids": [(6, 0, self.hidden.ids)],
                }
            )

    def test_a_user_of_one_company_edits_a_mailing_on_several_companies_segments(self):
        """The filter names every chosen segment, the other company's too, whoever edits the
        mailing; what the user reads of them stays what the user may read. (Read through the
        ORM as the superuser, the chosen segments came from the cache the user's own read had
        filled: the filter lost the other company's.)"""
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Both companies",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "segment_ids": [(6, 0, (self.one | self.hidden).ids)],
            }
        )
        self.env.invalidate_all()
        as_marketer = mailing.with_user(self.marketer)
        spec = {"total": {}, "segment_ids": {}, "mailing_domain": {}}
        saved = as_marketer.web_save({"segment_ids": [(4, self.two.id)]}, spec)[0]
        self.assertEqual(saved["segment_ids"], (self.one | self.two).ids)
        chosen = (self.one | self.two | self.hidden).ids
        self.assertIn(("segment_ids", "in", sorted(chosen)), ast.literal_eval(saved["mailing_domain"]))
        self.assertEqual(as_marketer.web_read(spec)[0]["segment_ids"], (self.one | self.two).ids)
        # in the form, before saving: the form holds the segments the user may read only
        changed = as_marketer.onchange(
            {"segment_ids": [(3, self.two.id)]}, ["segment_ids"], {"segment_ids": {}, "mailing_domain": {}}
        )
        self.assertIn(
            ("segment_ids", "in", sorted((self.one | self.hidden).ids)),
            ast.literal_eval(changed["value"]["mailing_domain"]),
        )
        # every segment the user may read taken off: the other company's still bound it
        changed = as_marketer.onchange(
            {"segment_ids": [(3, self.one.id), (3, self.two.id)]},
            ["segment_ids"],
            {"segment_ids": {}, "mailing_domain": {}},
        )
        self.assertIn(("segment_ids", "in", self.hidden.ids), ast.literal_eval(changed["value"]["mailing_domain"]))

    def test_changing_the_segments_keeps_the_conditions_added_to_them(self):
        """The filter was built again from the segments alone: "email contains example.com"
        added by the marketer was dropped, and more partners were mailed."""
        mailing = self.new_mailing(self.one)
        added = ("email", "ilike", "example.com")
        mailing.mailing_domain = repr([*ast.literal_eval(mailing.mailing_domain), added])
        mailing.segment_ids = [(4, self.two.id)]
        domain = ast.literal_eval(mailing.mailing_domain)
        self.assertIn(added, domain)
        self.assertIn(("segment_ids", "in", sorted((self.one | self.two).ids)), domain)
        self.assertNotIn(("segment_ids", "in", self.one.ids), domain)
        in_form = mailing.onchange(
            {"segment_ids": [(3, self.one.id)]}, ["segment_ids"], {"segment_ids": {}, "mailing_domain": {}}
        )
        domain = ast.literal_eval(in_form["value"]["mailing_domain"])
        self.assertIn(added, domain)
        self.assertIn(("segment_ids", "in", self.two.ids), domain)
        # saved: one and two, with an example.com email (Dan is blacklisted, Cid has none)
        self.assertEqual(sorted(mailing._get_recipients()), (self.ann | self.ben).ids)
        # a condition on segments the marketer typed stays too ("not in segment two")
        excluded = ("segment_ids", "not in", self.two.ids)
        mailing.mailing_domain = repr([*ast.literal_eval(mailing.mailing_domain), excluded])
        mailing.segment_ids = [(3, self.one.id)]
        self.assertIn(excluded, ast.literal_eval(mailing.mailing_domain))
        # an odd stored filter is set aside, not a crash
        mailing.mailing_domain = "[(), ('segment_ids', 'in', [1])]"
        mailing.segment_ids = [(4, self.one.id)]
        self.assertIn(
            ("segment_ids", "in", sorted((self.one | self.two).ids)), ast.literal_eval(mailing.mailing_domain)
        )

    def test_an_sms_mailing_texts_the_members_with_a_number(self):
        """Segments as recipients of an SMS mailing: members with a mobile or a phone are
        texted, one without is counted as missing a number, a blacklisted number is never
        texted, a non-member never."""
        Partner = self.env["res.partner"]
        mobile, phone, none, barred, outside = Partner.create(
            [
                {"name": "MS sms mobile", "mobile": "+32470000011"},
                {"name": "MS sms phone", "phone": "+32470000012"},
                {"name": "MS sms none", "email": "none@example.com"},
                {"name": "MS sms barred", "mobile": "+32470000013"},
                {"name": "MS sms outside", "mobile": "+32470000014"},
            ]
        )
        self.env["phone.blacklist"].create({"number": "+32470000013"})
        self.env.flush_all()  # Odoo's blacklist filter reads the stored numbers in SQL
        segment = self.env["res.partner.segment"].create(
            {
                "name": "MS sms",
                "segment_type": "static",
                "partner_ids": [(6, 0, (mobile | phone | none | barred).ids)],
            }
        )
        mailing = (
            self.env["mailing.mailing"]
            .with_user(self.marketer)
            .create(
                {
                    "subject": "SMS segments",
                    "mailing_type": "sms",
                    "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "segment_ids": [(6, 0, segment.ids)],
                    "body_plaintext": "Hello",
                }
            )
        )
        mailing.action_send_mail()
        traces = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        self.assertEqual(set(traces.mapped("trace_type")), {"sms"})
        sent = traces.filtered(lambda t: t.trace_status != "cancel")
        self.assertEqual(set(sent.mapped("res_id")), {mobile.id, phone.id})
        self.assertEqual(
            {t.res_id: t.failure_type for t in traces - sent},
            {none.id: "sms_number_missing"},
            "no number: cancelled; blacklisted number: not a recipient at all",
        )
        texted = self.env["sms.sms"].search([("mailing_id", "=", mailing.id), ("state", "=", "outgoing")])
        self.assertEqual(set(texted.mapped("number")), {"+32470000011", "+32470000012"})
