"""18.0.1.8.0: segment syncs push emails or phone numbers; each sync removes only the
subscriptions of its own channel. A subscription synced before says which by its contact:
a number without an email was pushed for SMS, anything else by email."""


def migrate(cr, version):
    cr.execute(
        """UPDATE mailing_subscription s
              SET segment_sync_channel = CASE WHEN c.email_normalized IS NULL
                                               AND c.phone_sanitized IS NOT NULL
                                              THEN 'sms' ELSE 'email' END
             FROM mailing_contact c
            WHERE c.id = s.contact_id AND s.segment_sync AND s.segment_sync_channel IS NULL"""
    )
