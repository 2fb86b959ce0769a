"""Uninstalling the addon leaves a database that works without it."""

from odoo.tools import SQL

# what ``mailing.subscription.init`` adds in SQL, outside Odoo's knowledge of the addon
SQL_COLUMNS = (("mailing_subscription", "segment_sync_origins"),)
SQL_INDEXES = (
    "mailing_subscription_list_id_index",
    "mailing_contact_email_normalized_index",
    "mailing_contact_phone_sanitized_index",
)


def uninstall_hook(env):
    _pin_mailing_recipients(env)
    for table, column in SQL_COLUMNS:
        env.cr.execute(
            SQL("ALTER TABLE %s DROP COLUMN IF EXISTS %s", SQL.identifier(table), SQL.identifier(column))
        )
    for index in SQL_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))


def _pin_mailing_recipients(env):
    """Mailings whose recipients' filter reads the addon's fields (the chosen segments,
    a stage, a purchase figure) get their recipients as ids instead, as Odoo's own
    "send to selected records" writes them. Otherwise Odoo reads a filter on fields that no
    longer exist: the Email Marketing app fails to open at all. A mailing still to send
    keeps the recipients it has now (the addon's rights checks applied); a sent one, those
    it was sent to."""
    addon_fields = set(
        env["ir.model.fields"]
        .sudo()
        .browse(
            env["ir.model.data"]
            .sudo()
            .search([("module", "=", "partner_segmentation"), ("model", "=", "ir.model.fields")])
            .mapped("res_id")
        )
        .mapped("name")
    )
    mailings = env["mailing.mailing"].sudo().with_context(active_test=False).search([])
    for mailing in mailings:
        domain = mailing._parse_mailing_domain()
        if not (mailing.segment_ids or mailing._fields_in(domain, addon_fields)):
            continue
        env.cr.execute(SQL("SELECT DISTINCT res_id FROM mailing_trace WHERE mass_mailing_id = %s", mailing.id))
        recipients = {row[0] for row in env.cr.fetchall()}
        if mailing.state != "done":  # all it selects, before any A/B test's sample
            Recipients = env[mailing.mailing_model_real].sudo()
            recipients.update(Recipients.search(mailing._get_recipients_domain()).ids)
        mailing.mailing_domain = repr([("id", "in", sorted(recipients))])
