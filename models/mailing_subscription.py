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

    def init(self):
        # the segments whose pushes targeted the address (set by the push, in SQL): a sync
        # removes only subscriptions all of whose segments it syncs. No field: a subscription
        # is read and written by every mailing user, who would read segments of any company
        # there and could make any subscription removable
        self.env.cr.execute(
            "ALTER TABLE mailing_subscription ADD COLUMN IF NOT EXISTS segment_sync_origins integer[]"
        )
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
