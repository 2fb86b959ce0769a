from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SegmentCase


@tagged("post_install", "-at_install")
class TestSegmentSecurity(SegmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a_only = cls.Partner.create(
            {"name": "Only A Seg", "city": "Ghent", "company_id": cls.company_a.id}
        )
        cls.partner_b_only = cls.Partner.create(
            {"name": "Only B Seg", "city": "Ghent", "company_id": cls.company_b.id}
        )
        cls.seg_a = cls.Segment.create(
            {"name": "Ghent A", "company_id": cls.company_a.id, "domain": "[('city', '=', 'Ghent')]"}
        )
        cls.seg_b = cls.Segment.create(
            {"name": "Ghent B", "company_id": cls.company_b.id, "domain": "[('city', '=', 'Ghent')]"}
        )
        cls.seg_all = cls.Segment.create(
            {"name": "Ghent all", "company_id": False, "domain": "[('city', '=', 'Ghent')]"}
        )

    def test_company_segment_holds_only_partners_that_company_sees(self):
        (self.seg_a | self.seg_b | self.seg_all).action_recompute()
        self.assertIn(self.partner_a_only, self.members(self.seg_a))
        self.assertNotIn(self.partner_b_only, self.members(self.seg_a))
        self.assertIn(self.partner_b_only, self.members(self.seg_b))
        self.assertNotIn(self.partner_a_only, self.members(self.seg_b))
        self.assertIn(self.ghent, self.members(self.seg_b), "shared partners are seen by all")
        self.assertTrue({self.partner_a_only, self.partner_b_only} <= set(self.members(self.seg_all)))

    def test_domain_evaluated_in_the_segment_company_context(self):
        term = self.env.ref("account.account_payment_term_30days")
        self.ghent.with_company(self.company_a).property_payment_term_id = term
        domain = "[('property_payment_term_id', '!=', False), ('name', '=', 'Ghent Seg')]"
        seg_a = self.make_segment(domain, company_id=self.company_a.id)
        seg_b = self.make_segment(domain, company_id=self.company_b.id)
        (seg_a | seg_b).action_recompute()
        self.assertEqual(self.members(seg_a), self.ghent)
        self.assertFalse(self.members(seg_b))

    def test_user_reads_only_own_company_segments(self):
        visible = self.Segment.with_user(self.user_b).search([("name", "like", "Ghent")])
        self.assertEqual(visible, self.seg_b | self.seg_all)
        with self.assertRaises(AccessError):
            self.seg_a.with_user(self.user_b).read(["name"])

    def test_segment_user_cannot_create_edit_or_recompute(self):
        with self.assertRaises(AccessError):
            self.Segment.with_user(self.user_b).create({"name": "Nope", "domain": "[]"})
        with self.assertRaises(AccessError):
            self.seg_b.with_user(self.user_b).write({"domain": "[]"})
        with self.assertRaises(AccessError):
            self.seg_b.with_user(self.user_b).action_recompute()

    def test_user_without_segment_group_reads_nothing(self):
        plain = self.env["res.users"].create(
            {
                "name": "Plain",
                "login": "plain_seg",
                "company_id": self.company_a.id,
                "company_ids": [(6, 0, self.company_a.ids)],
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.Segment.with_user(plain).search([])

    def test_manager_creates_and_recomputes_in_own_company(self):
        segment = self.Segment.with_user(self.manager_a).create(
            {"name": "Manager's", "domain": "[('city', '=', 'Ghent')]"}
        )
        self.assertEqual(segment.company_id, self.company_a)
        segment.action_recompute()
        self.assertIn(self.partner_a_only, self.members(segment))
        self.assertNotIn(self.partner_b_only, self.members(segment))
        with self.assertRaises(AccessError):
            self.seg_b.with_user(self.manager_a).action_recompute()

    def test_manager_cannot_put_segment_in_foreign_company(self):
        with self.assertRaises(AccessError):
            self.Segment.with_user(self.manager_a).create(
                {"name": "Foreign", "company_id": self.company_b.id, "domain": "[]"}
            )

    def test_history_follows_company_rules(self):
        (self.seg_a | self.seg_b).action_recompute()
        History = self.env["res.partner.segment.history"].with_user(self.user_b)
        self.assertEqual(
            History.search([("segment_id", "in", (self.seg_a | self.seg_b).ids)]).segment_id, self.seg_b
        )

    def test_groups_sit_under_marketing_with_sensible_defaults(self):
        category = self.env.ref("partner_segmentation.module_category_partner_segmentation")
        self.assertEqual(category.parent_id, self.env.ref("base.module_category_marketing"), "not under Other")
        segment_user = self.env.ref("partner_segmentation.group_segment_user")
        marketer = new_test_user(
            self.env, login="seg_default_marketer", groups="mass_mailing.group_mass_mailing_user"
        )
        sales_manager = new_test_user(
            self.env, login="seg_default_sales_manager", groups="sales_team.group_sale_manager"
        )
        salesman = new_test_user(self.env, login="seg_default_salesman", groups="sales_team.group_sale_salesman")
        self.assertIn(segment_user, marketer.groups_id)
        self.assertIn(segment_user, sales_manager.groups_id)
        self.assertNotIn(segment_user, salesman.groups_id, "a salesman gets segments only when given them")
        self.assertTrue(self.Segment.with_user(marketer).search([("id", "=", self.seg_a.id)]))
