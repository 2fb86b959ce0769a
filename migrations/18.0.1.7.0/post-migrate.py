"""18.0.1.7.0: segment syncs push emails or phone numbers; each sync removes only the
subscriptions of its own channel. Every subscription synced before was by email."""


def migrate(cr, version):
    cr.execute(
        "UPDATE mailing_subscription SET segment_sync_channel = 'email' "
        "WHERE segment_sync AND segment_sync_channel IS NULL"
    )
