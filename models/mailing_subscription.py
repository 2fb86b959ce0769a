from odoo import fields, models
from odoo.tools.sql import create_index


class MailingSubscription(models.Model):
    _inherit = "mailing.subscription"

    segment_sync = fields.Boolean(
        "Added by segment sync",
        readonly=True,
        copy=False,
        help="Created by syncing a partner segment: only such subscriptions are ever removed "
        "by a sync. Contacts added by hand or by import are never removed.",
    )

    def init(self):
        # segment syncs read a whole list and look contacts up by email
        create_index(self.env.cr, "mailing_subscription_list_id_index", self._table, ["list_id"])
        create_index(
            self.env.cr, "mailing_contact_email_normalized_index", "mailing_contact", ["email_normalized"]
        )
