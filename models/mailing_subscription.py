from odoo import fields, models
from odoo.tools.sql import create_index


class MailingSubscription(models.Model):
    _inherit = "mailing.subscription"

    segment_sync = fields.Boolean(
        "Added by segment sync",
        readonly=True,
        copy=False,
        help="Created by pushing or syncing a partner segment: only such subscriptions are ever "
        "removed, by a later sync of the same segment. Contacts added by hand or by import are "
        "never removed.",
    )

    segment_sync_channel = fields.Selection(
        [("email", "Email"), ("sms", "SMS")],
        "Segment sync channel",
        readonly=True,
        copy=False,
        help="The channel of the segment push or sync that created it: a sync removes only "
        "subscriptions of its own channel (a list may hold emails and phone numbers).",
    )

    # the id of the segment whose push or sync created it (the first, when several were
    # pushed together): a sync removes only subscriptions of its own segments. A number, not
    # a many2one: a subscription is read by every mailing user, and a many2one would show
    # them the name of a segment of any company
    segment_sync_origin = fields.Integer(
        "Added by segment (id)", readonly=True, copy=False, groups="base.group_system"
    )

    def init(self):
        # segment syncs read a whole list and look contacts up by email or number
        create_index(self.env.cr, "mailing_subscription_list_id_index", self._table, ["list_id"])
        create_index(
            self.env.cr, "mailing_contact_email_normalized_index", "mailing_contact", ["email_normalized"]
        )
        create_index(
            self.env.cr,
            "mailing_contact_phone_sanitized_index",
            "mailing_contact",
            ["phone_sanitized"],
            where="phone_sanitized IS NOT NULL",
        )
