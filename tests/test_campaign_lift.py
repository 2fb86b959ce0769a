from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import float_round

from .common import SegmentCase, sell
from .test_mailing_holdout import held_out_by_hand


@tagged("post_install", "-at_install")
class TestCampaignLift(SegmentCase):
    """The lift report: what the mailed and the held-out members bought after a push."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.Partner.create(
            [{"name": f"Lift {i}", "email": f"lift{i}@example.com", "city": "Liftville"} for i in range(40)]
        )
        cls.segment = cls.Segment.create(
            {"name": "Lift segment", "domain": "[('city', '=', 'Liftville')]", "company_id": cls.company_a.id}
        )
        cls.segment.action_recompute()
        cls.mlist = cls.env["mailing.list"].create({"name": "Lift list"})
        cls.marketer = cls.manager_a  # sales all documents, segmentation manager
        cls.marketer.groups_id += cls.env.ref("mass_mailing.group_mass_mailing_user")

    def order(self, partner, when, amount, confirm=True):
        order = sell(self.env, partner, self.company_a, self.product, amount / 10, confirm)
        order.date_order = when
        return order

    def assertShown(self, value, exact, digits):
        """``value`` is ``exact`` as a field of ``digits`` decimals shows it (18.75 as 18.8)."""
        self.assertAlmostEqual(value, float_round(exact, precision_digits=digits), places=6)

    def push(self, holdout_percent):
        """Push the segment into the list as the marketer; the push's record."""
        self.env["res.partner.segment.mailing.wizard"].with_user(self.marketer).create(
            {
                "segment_ids": [(6, 0, self.segment.ids)],
                "mailing_list_id": self.mlist.id,
                "holdout_percent": holdout_percent,
            }
        ).action_apply()
        return self.env["res.partner.segment.push"].search([("segment_id", "=", self.segment.id)])

    def test_lift_of_a_push_against_hand_computed_figures(self):
        push = self.push(50)
        held = held_out_by_hand(self.segment, self.customers, 50)
        mailed = self.customers - held
        self.assertTrue(held and mailed, "both groups have members")
        self.assertEqual((push.mailed_partner_ids, push.held_out_partner_ids), (mailed, held))
        self.assertEqual((push.mailed_count, push.held_out_count), (len(mailed), len(held)))
        start = push.pushed_at
        self.order(mailed[0], start + timedelta(days=1), 100)
        self.order(mailed[0], start + timedelta(days=2), 20)  # the same buyer twice: one buyer
        self.order(mailed[1], start + timedelta(days=29), 300)
        self.order(mailed[2], start + timedelta(days=40), 1000)  # after the window of 30 days
        self.order(mailed[3], start - timedelta(days=1), 1000)  # before the push
        self.order(held[0], start + timedelta(days=3), 50)
        self.order(held[1], start + timedelta(days=3), 70, confirm=False)  # a quotation
        push = push.with_user(self.marketer)
        push.invalidate_recordset()
        self.assertShown(push.mailed_buyer_percent, 100.0 * 2 / len(mailed), 1)
        self.assertShown(push.held_out_buyer_percent, 100.0 * 1 / len(held), 1)
        self.assertShown(push.mailed_revenue_per_member, 420.0 / len(mailed), 2)
        self.assertShown(push.held_out_revenue_per_member, 50.0 / len(held), 2)
        self.assertShown(push.lift_points, 100.0 * (2 / len(mailed) - 1 / len(held)), 1)
        push.lift_days = 60
        push.invalidate_recordset()
        self.assertShown(push.mailed_buyer_percent, 100.0 * 3 / len(mailed), 1)
        self.assertShown(push.mailed_revenue_per_member, 1420.0 / len(mailed), 2)

    def test_a_push_is_a_record_and_its_figures_are_for_sales_users_of_its_company(self):
        push = self.push(10)
        with self.assertRaises(UserError):
            push.with_user(self.marketer).write({"holdout_percent": 0})
        with self.assertRaises(UserError):
            push.with_user(self.marketer).lift_days = 0
        self.assertFalse(
            self.env["res.partner.segment.push"].with_user(self.user_b).search([("id", "=", push.id)]),
            "a user of another company does not see it",
        )
        no_sales = self.env["res.users"].create(
            {
                "name": "Lift marketer without sales",
                "login": "lift_no_sales",
                "company_id": self.company_a.id,
                "company_ids": [(6, 0, self.company_a.ids)],
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("partner_segmentation.group_segment_user").id,
                        ],
                    )
                ],
            }
        )
        as_no_sales = push.with_user(no_sales)
        self.assertEqual(as_no_sales.mailed_count, push.mailed_count, "the groups' sizes are no figures")
        with self.assertRaises(AccessError):
            as_no_sales.read(["mailed_revenue_per_member"])
