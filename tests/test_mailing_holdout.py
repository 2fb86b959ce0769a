import hashlib

from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


def held_out_by_hand(segment, partners, share):
    """The holdout group as its definition says: md5 of "segment:partner", first 32 bits,
    modulo 100, below the share."""
    return partners.filtered(
        lambda p: int(hashlib.md5(f"{segment.id}:{p.id}".encode()).hexdigest()[:8], 16) % 100 < share
    )


@tagged("post_install", "-at_install")
class TestMailingHoldout(TransactionCase):
    """A control group kept out of mailing lists: the same partners at every push and sync."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("partner_segmentation.recompute_on_save_limit", "0")
        cls.marketer = new_test_user(
            cls.env,
            login="seg_holdout_marketer",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,partner_segmentation.group_segment_manager",
        )
        cls.reader = new_test_user(
            cls.env,
            login="seg_holdout_reader",
            groups="base.group_user,mass_mailing.group_mass_mailing_user,partner_segmentation.group_segment_user",
        )
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Holdout {i}", "email": f"holdout{i}@example.com", "city": "Holdout"} for i in range(200)]
        )
        cls.segment = cls.env["res.partner.segment"].create(
            {"name": "Holdout segment", "domain": "[('city', '=', 'Holdout')]"}
        )
        cls.segment.action_recompute()
        cls.mlist = cls.env["mailing.list"].create({"name": "Holdout list"})

    def push(self, mode="add", user=None, **vals):
        wizard = (
            self.env["res.partner.segment.mailing.wizard"]
            .with_user(user or self.marketer)
            .create(
                {
                    "segment_ids": [(6, 0, self.segment.ids)],
                    "mailing_list_id": self.mlist.id,
                    "mode": mode,
                    **vals,
                }
            )
        )
        preview = (wizard.count_add, wizard.count_held_out)
        wizard.action_apply()
        return preview, wizard

    def subscribed(self):
        """The partners whose email is subscribed to the list (read from the database)."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT c.email_normalized FROM mailing_subscription s JOIN mailing_contact c ON c.id = s.contact_id
                WHERE s.list_id = %s AND NOT coalesce(s.opt_out, false)""",
            [self.mlist.id],
        )
        emails = {row[0] for row in self.env.cr.fetchall()}
        return self.env["res.partner"].search([("email_normalized", "in", list(emails))])

    def test_the_same_partners_are_held_out_at_every_push_and_sync(self):
        expected = held_out_by_hand(self.segment, self.partners, 20)
        self.assertTrue(10 <= len(expected) <= 70, "about a fifth of 200")
        (to_add, held), wizard = self.push(holdout_percent=20)
        self.assertEqual((to_add, held), (200 - len(expected), len(expected)), "the preview says it")
        self.assertEqual((wizard.count_add, wizard.count_held_out), (to_add, held), "and it was done")
        self.assertEqual(self.subscribed(), self.partners - expected)
        self.assertEqual(self.segment.holdout_percent, 20, "kept on the segment for later syncs")
        # a new member and a linked-list sync after a recompute: the control group stays out
        newcomer = self.env["res.partner"].create(
            {"name": "Holdout new", "email": "holdout-new@example.com", "city": "Holdout"}
        )
        self.segment.mailing_list_ids = self.mlist
        self.segment.action_recompute()
        self.assertFalse(self.segment.last_error)
        self.assertIn(newcomer, self.segment.partner_ids)
        everyone = self.partners | newcomer
        self.assertEqual(
            self.subscribed(), self.partners - expected | (newcomer - held_out_by_hand(self.segment, newcomer, 20))
        )
        self.push(mode="sync")
        self.assertFalse(self.subscribed() & held_out_by_hand(self.segment, everyone, 20))

    def test_raising_the_holdout_on_a_sync_removes_only_what_syncing_added(self):
        self.push()
        self.assertEqual(self.subscribed(), self.partners)
        (to_add, held), _wizard = self.push(mode="sync", holdout_percent=10)
        expected = held_out_by_hand(self.segment, self.partners, 10)
        self.assertEqual(held, len(expected))
        self.assertEqual(self.subscribed(), self.partners - expected)

    def test_a_holdout_outside_0_to_50_is_refused_clearly(self):
        for share in (-1, 51):
            with self.assertRaises(ValidationError) as caught:
                self.push(holdout_percent=share)
            self.assertIn("between 0 and 50", str(caught.exception))
            with self.assertRaises(ValidationError):
                self.segment.holdout_percent = share
        self.assertFalse(self.mlist.subscription_ids, "nothing pushed")

    def test_only_who_may_change_the_segment_changes_its_holdout(self):
        """The share is kept on the segment and holds partners out of every list it feeds:
        a marketer who only reads the segment pushes with it, and cannot change it."""
        self.segment.holdout_percent = 10
        with self.assertRaises(UserError):
            self.push(user=self.reader, holdout_percent=50)
        self.assertEqual(self.segment.holdout_percent, 10)
        (_to_add, held), _wizard = self.push(user=self.reader)
        self.assertEqual(held, len(held_out_by_hand(self.segment, self.partners, 10)))

    def test_segments_pushed_together_keep_each_its_own_share(self):
        """A segment at 10 % and one at 30 %, pushed together: each holds out its own control
        group (the preview too), neither share is changed, and a user who only reads them
        may push them."""
        self.segment.holdout_percent = 10
        others = self.env["res.partner"].create(
            [
                {"name": f"Holdout B {i}", "email": f"holdout-b{i}@example.com", "city": "Holdout B"}
                for i in range(100)
            ]
        )
        second = self.env["res.partner.segment"].create(
            {"name": "Holdout segment B", "domain": "[('city', '=', 'Holdout B')]", "holdout_percent": 30}
        )
        second.action_recompute()
        expected = held_out_by_hand(self.segment, self.partners, 10) | held_out_by_hand(second, others, 30)
        (to_add, held), wizard = self.push(user=self.reader, segment_ids=[(6, 0, (self.segment | second).ids)])
        self.assertTrue(wizard.holdout_mixed)
        self.assertEqual((to_add, held), (300 - len(expected), len(expected)), "the preview holds out each share")
        self.assertEqual((self.segment.holdout_percent, second.holdout_percent), (10, 30), "shares unchanged")
        self.assertEqual(self.subscribed(), (self.partners | others) - expected)
