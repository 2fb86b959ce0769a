from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSegmentTour(HttpCase):
    def test_create_dynamic_segment_in_the_web_client(self):
        self.env["res.partner"].create([{"name": f"Tour partner {i}", "city": "Tourcity"} for i in range(3)])
        self.start_tour(
            "/odoo/action-partner_segmentation.res_partner_segment_action",
            "partner_segmentation_segment_tour",
            login="admin",
        )
        segment = self.env["res.partner.segment"].search([("name", "=", "Tourcity customers")])
        self.assertEqual(segment.segment_type, "dynamic")
        self.assertEqual(segment.member_count, 3)
        self.assertEqual(len(segment.partner_ids), 3)

    def test_a_condition_on_a_date_relative_to_today_in_the_web_client(self):
        Partner = self.env["res.partner"]
        Partner.create([{"name": f"Datecity {i}", "city": "Datecity"} for i in range(2)])
        old = Partner.create({"name": "Datecity long ago", "city": "Datecity"})
        self.env.cr.execute(
            "UPDATE res_partner SET create_date = now() - interval '90 days' WHERE id = %s", [old.id]
        )
        self.start_tour(
            "/odoo/action-partner_segmentation.res_partner_segment_action?debug=1",
            "partner_segmentation_relative_date_tour",
            login="admin",
        )
        segment = self.env["res.partner.segment"].search([("name", "=", "Joined in the last 30 days")])
        self.assertIn("context_today() - relativedelta(days=30)", segment.domain)
        self.assertEqual(sorted(segment.partner_ids.mapped("name")), ["Datecity 0", "Datecity 1"])

    def test_add_contacts_to_a_static_segment_created_on_the_spot(self):
        fairgoers = self.env["res.partner"].create([{"name": f"Fairgoer {i}"} for i in range(2)])
        self.start_tour(
            "/odoo/contacts?view_type=list", "partner_segmentation_add_to_new_segment_tour", login="admin"
        )
        segment = self.env["res.partner.segment"].search([("name", "=", "Trade fair 2026")])
        self.assertEqual((segment.segment_type, segment.partner_ids), ("static", fairgoers))

    def test_no_code_condition_and_members_that_follow(self):
        """The marketer's way: no debug mode, no code; the members follow each save."""
        Partner = self.env["res.partner"]
        product = self.env["product.product"].create({"name": "Tour product", "list_price": 10})
        today = fields.Date.context_today(Partner)
        for name, days_ago in (("Tour long ago", 100), ("Tour last week", 7), ("Tour never", None)):
            partner = Partner.create({"name": name})
            if days_ago is None:
                continue
            order = self.env["sale.order"].create(
                {"partner_id": partner.id, "order_line": [(0, 0, {"product_id": product.id})]}
            )
            order.action_confirm()
            order.date_order = today - timedelta(days=days_ago)
        other = self.env["res.partner.segment"].create({"name": "Tour other segment", "domain": "[]"})
        self.start_tour(
            "/odoo/action-partner_segmentation.res_partner_segment_action",
            "partner_segmentation_no_code_tour",
            login="admin",
        )
        segment = self.env["res.partner.segment"].search([("name", "=", "Not bought for 90 days")])
        self.assertEqual(segment.domain, '[("days_since_last_purchase", ">", 5)]')
        self.assertEqual(segment.partner_ids.mapped("name"), ["Tour last week", "Tour long ago"])
        self.assertEqual(len(segment.history_ids), 2, "computed at each save")
        self.assertTrue(other.history_ids, "another segment's history exists, and the chart left it out")

    def test_a_segment_from_the_template_gallery(self):
        Partner = self.env["res.partner"]
        product = self.env["product.product"].create({"name": "Gallery product", "list_price": 10})
        today = fields.Date.context_today(Partner)
        for days_ago in (200, 400, 20):
            order = self.env["sale.order"].create(
                {
                    "partner_id": Partner.create({"name": f"Gallery {days_ago}"}).id,
                    "order_line": [(0, 0, {"product_id": product.id})],
                }
            )
            order.action_confirm()
            order.date_order = today - timedelta(days=days_ago)
        Segment = self.env["res.partner.segment"]
        before = Segment.search([])
        self.start_tour(
            "/odoo/action-partner_segmentation.res_partner_segment_action",
            "partner_segmentation_template_tour",
            login="admin",
        )
        segment = Segment.search([]) - before
        self.assertEqual(segment.name, "Sleeping clients (no purchase for 6 months)")
        self.assertEqual(segment.company_id, self.env.ref("base.user_admin").company_id)
        self.assertEqual(sorted(segment.partner_ids.mapped("name")), ["Gallery 200", "Gallery 400"])

    def test_push_numbers_for_sms_as_a_marketer(self):
        """Not as the administrator: a marketing user of the company picks channel SMS in
        the push wizard; the numbers land in a new list as its contacts' mobiles."""
        new_test_user(
            self.env,
            login="tour_texter",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,partner_segmentation.group_segment_user",
        )
        members = self.env["res.partner"].create(
            [
                {"name": "Tour texted", "mobile": "+32470000021"},
                {"name": "Tour phoned", "phone": "+32470000022"},
                {"name": "Tour no number", "email": "tour.none@example.com"},
            ]
        )
        segment = self.env["res.partner.segment"].create(
            {"name": "Tour SMS", "segment_type": "static", "partner_ids": [(6, 0, members.ids)]}
        )
        self.start_tour(
            f"/odoo/action-partner_segmentation.res_partner_segment_action/{segment.id}",
            "partner_segmentation_sms_push_tour",
            login="tour_texter",
        )
        mailing_list = self.env["mailing.list"].search([("name", "=", "Tour texts")])
        self.assertEqual(
            sorted(mailing_list.subscription_ids.contact_id.mapped("mobile")), ["+32470000021", "+32470000022"]
        )
