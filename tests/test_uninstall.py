import ast

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..hooks import SQL_INDEXES, uninstall_hook


@tagged("post_install", "-at_install")
class TestUninstall(TransactionCase):
    """What uninstalling leaves must work without the addon: the hook runs in the test's
    transaction, rolled back after it (PostgreSQL's DDL is transactional)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ann, cls.ben, cls.cid = cls.env["res.partner"].create(
            [{"name": f"UN {name}", "email": f"{name}@example.com"} for name in ("ann", "ben", "cid")]
        )
        Segment = cls.env["res.partner.segment"]
        cls.one = Segment.create(
            {"name": "UN one", "segment_type": "static", "partner_ids": [(6, 0, cls.ann.ids)]}
        )
        cls.two = Segment.create(
            {"name": "UN two", "segment_type": "static", "partner_ids": [(6, 0, cls.ben.ids)]}
        )

    def new_mailing(self, model, **vals):
        admin = self.env.ref("base.user_admin")  # mailings read segments with their writers' rights
        return (
            self.env["mailing.mailing"]
            .with_user(admin)
            .create(
                {
                    "subject": "Uninstall",
                    "mailing_model_id": self.env["ir.model"]._get_id(model),
                    "body_html": "<p>Hi</p>",
                    **vals,
                }
            )
        )

    def test_mailings_on_segments_keep_their_recipients_as_ids(self):
        draft = self.new_mailing("res.partner", segment_ids=[(6, 0, (self.one | self.two).ids)])
        sent = self.new_mailing("res.partner", segment_ids=[(6, 0, self.two.ids)])
        sent.action_send_mail()
        self.two.write({"partner_ids": [(4, self.cid.id)]})  # after the sending: not one of its recipients
        on_leads = self.new_mailing("crm.lead", mailing_domain=repr([("partner_lifecycle_stage", "=", "new")]))
        edited = self.new_mailing("res.partner", segment_ids=[(6, 0, self.one.ids)])
        edited.mailing_domain = "[]"  # by hand: the segment still bounds it
        plain_domain = [("email", "!=", False), ("company_id", "=", False)]  # a name of the addon's own models
        plain = self.new_mailing("res.partner", mailing_domain=repr(plain_domain))
        uninstall_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(
            ast.literal_eval(draft.mailing_domain),
            [("id", "in", (self.ann | self.ben | self.cid).ids)],
            "as of now",
        )
        self.assertEqual(
            ast.literal_eval(sent.mailing_domain), [("id", "in", self.ben.ids)], "whom it was sent to"
        )
        self.assertEqual(ast.literal_eval(on_leads.mailing_domain), [("id", "in", [])])
        self.assertEqual(ast.literal_eval(edited.mailing_domain), [("id", "in", self.ann.ids)])
        self.assertIn("segment_ids", sent.message_ids[0].body, "the filter it had, kept in its chatter")
        self.assertEqual(ast.literal_eval(plain.mailing_domain), plain_domain, "left as it was")

    def test_an_ab_test_variant_sent_keeps_the_rest_of_its_audience(self):
        """The final mailing of an A/B test copies the variant's filter and skips whom the
        variants mailed: pinned to those alone, it would reach no one else."""
        variant = self.new_mailing(
            "res.partner",
            segment_ids=[(6, 0, (self.one | self.two).ids)],
            ab_testing_enabled=True,
            ab_testing_pc=50,
            campaign_id=self.env["utm.campaign"].create({"name": "UN campaign"}).id,
        )
        variant.action_send_mail()
        mailed = set(self.env["mailing.trace"].search([("mass_mailing_id", "=", variant.id)]).mapped("res_id"))
        self.assertEqual(len(mailed), 1, "half of two")
        uninstall_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(ast.literal_eval(variant.mailing_domain), [("id", "in", (self.ann | self.ben).ids)])

    def test_an_ab_test_variant_is_bounded_as_its_final_mailing_would_be(self):
        """The final mailing reads segments with the rights of every user of the campaign's
        mailings: a variant's pinned audience is bounded by them too."""
        company_b = self.env["res.company"].create({"name": "UN company B"})
        secret = self.env["res.partner"].create(
            {"name": "UN secret", "email": "secret@example.com", "company_id": self.env.company.id}
        )
        self.one.write({"company_id": False, "partner_ids": [(4, secret.id)]})  # shared with company B
        user_b = new_test_user(
            self.env,
            login="un_user_b",
            company_id=company_b.id,
            company_ids=company_b.ids,
            groups="base.group_user,mass_mailing.group_mass_mailing_user,partner_segmentation.group_segment_user",
        )
        campaign = self.env["utm.campaign"].create({"name": "UN campaign B"})
        ab = {"ab_testing_enabled": True, "ab_testing_pc": 50, "campaign_id": campaign.id}
        variant = self.new_mailing("res.partner", segment_ids=[(6, 0, self.one.ids)], **ab)
        self.env["mailing.mailing"].with_user(user_b).create(
            {
                "subject": "Variant B",
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "segment_ids": [(6, 0, self.one.ids)],
                "body_html": "<p>B</p>",
                **ab,
            }
        )
        self.assertIn(secret.id, self.env["res.partner"].search(variant._get_recipients_domain()).ids)
        uninstall_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(ast.literal_eval(variant.mailing_domain), [("id", "in", self.ann.ids)])

    def test_traces_of_another_model_are_not_recipients(self):
        mailing = self.new_mailing("res.partner", segment_ids=[(6, 0, self.two.ids)])
        mailing.action_send_mail()
        mailing.write({"state": "done", "mailing_model_id": self.env["ir.model"]._get_id("crm.lead")})
        uninstall_hook(self.env)
        self.env.invalidate_all()
        self.assertEqual(ast.literal_eval(mailing.mailing_domain), [("id", "in", [])], "partner ids are no leads")

    def test_saved_recipient_filters_select_no_one_and_say_what_they_were(self):
        """Offered to every mailing user, whose own rights bounded it: not pinned to the
        ids one user reads."""
        MailingFilter = self.env["mailing.filter"].with_user(self.env.ref("base.user_admin"))
        values = {"mailing_model_id": self.env["ir.model"]._get_id("res.partner")}
        segment_domain = repr([("segment_ids", "in", self.two.ids)])
        on_segment = MailingFilter.create({**values, "name": "Segment two", "mailing_domain": segment_domain})
        plain = MailingFilter.create({**values, "name": "Ann", "mailing_domain": repr([("name", "=", "UN ann")])})
        odd = MailingFilter.create({**values, "name": "Odd", "mailing_domain": "[]"})
        odd_mailing = self.new_mailing("res.partner")
        self.env.flush_all()
        self.env.cr.execute("UPDATE mailing_filter SET mailing_domain = 'None' WHERE id = %s", [odd.id])
        self.env.cr.execute("UPDATE mailing_mailing SET mailing_domain = 'False' WHERE id = %s", [odd_mailing.id])
        self.env.invalidate_all()
        uninstall_hook(self.env)
        self.assertEqual(ast.literal_eval(on_segment.mailing_domain), [("id", "in", [])])
        self.assertEqual(on_segment.name, f"Segment two (needs Partner Segmentation: {segment_domain})")
        self.assertEqual((plain.name, plain.mailing_domain), ("Ann", repr([("name", "=", "UN ann")])))
        self.assertEqual((odd.mailing_domain, odd_mailing.mailing_domain), ("None", "False"), "left as they were")

    def test_favorites_on_the_addons_fields_are_archived(self):
        Filter = self.env["ir.filters"]
        values = {"model_id": "res.partner", "user_id": self.env.ref("base.user_admin").id}
        by_segment = Filter.create(
            {**values, "name": "VIP", "domain": repr([("segment_ids", "in", self.one.ids)])}
        )
        by_stage = Filter.create({**values, "name": "By stage", "context": "{'group_by': ['lifecycle_stage']}"})
        through = Filter.create(
            {
                **values,
                "model_id": "sale.order",
                "name": "Recent",
                "domain": "[('partner_id.days_since_last_purchase', '<', 30)]",
            }
        )
        sorted_by = Filter.create({**values, "name": "Best first", "sort": '["purchase_total desc"]'})
        kept = Filter.create(
            {**values, "name": "Ghent", "domain": "[('city', '=', 'Ghent'), ('company_id', '=', False)]"}
        )
        uninstall_hook(self.env)
        self.assertEqual((by_segment | by_stage | through | sorted_by | kept).filtered("active"), kept)

    def test_what_the_addon_made_in_sql_goes(self):
        uninstall_hook(self.env)
        self.env.cr.execute(
            """SELECT count(*) FROM information_schema.columns
                WHERE table_name = 'mailing_subscription' AND column_name = 'segment_sync_origins'"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.env.cr.execute("SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)", [list(SQL_INDEXES)])
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_record_rules_on_the_addons_fields_stop_the_uninstall_with_their_names(self):
        Rule = self.env["ir.rule"]
        values = {"groups": [(4, self.env.ref("base.group_portal").id)]}
        on_events = Rule.create(  # on the addon's own model: it goes with it
            {
                **values,
                "name": "Events of members",
                "model_id": self.env["ir.model"]._get_id("res.partner.segment.event"),
                "domain_force": "[('partner_id.segment_ids', '!=', False)]",
            }
        )
        uninstall_hook(self.env)
        self.assertTrue(on_events.exists())
        Rule.create(
            {
                **values,
                "name": "Churned customers only",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": "[('lifecycle_stage', '=', 'churn'), ('company_id', 'in', company_ids)]",
            }
        )
        with self.assertRaisesRegex(UserError, "“Churned customers only” \\(res.partner\\)"):
            uninstall_hook(self.env)

    def test_automation_rules_on_the_addons_fields_are_archived(self):
        Automation = self.env["base.automation"]
        partner_model = self.env["ir.model"]._get("res.partner")
        values = {"model_id": partner_model.id, "trigger": "on_create_or_write"}
        filtered = Automation.create(
            {**values, "name": "VIP changed", "filter_domain": repr([("segment_ids", "in", self.one.ids)])}
        )
        before = Automation.create(
            {**values, "name": "Left churn", "filter_pre_domain": "[('lifecycle_stage', '=', 'churn')]"}
        )
        dated = Automation.create(
            {
                **values,
                "name": "Remind before the next purchase",
                "trigger": "on_time",
                "trg_date_id": self.env["ir.model.fields"]._get("res.partner", "next_purchase_date").id,
                "trg_date_range": -3,
                "trg_date_range_type": "day",
            }
        )
        watching = Automation.create(
            {
                **values,
                "name": "Stage watched",
                "trigger_field_ids": [
                    (6, 0, self.env["ir.model.fields"]._get("res.partner", "lifecycle_stage").ids)
                ],
            }
        )
        kept = Automation.create({**values, "name": "Ghent", "filter_domain": "[('city', '=', 'Ghent')]"})
        uninstall_hook(self.env)
        self.assertEqual((filtered | before | dated | watching | kept).filtered("active"), kept)
