"""Uninstalling the addon leaves a database that works without it."""

import logging
import re
from ast import literal_eval

from markupsafe import Markup

from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

MODULE = "partner_segmentation"
# what ``mailing.subscription.init`` adds in SQL, outside Odoo's knowledge of the addon
SQL_COLUMNS = (("mailing_subscription", "segment_sync_origins"),)
SQL_INDEXES = (
    "mailing_subscription_list_id_index",
    "mailing_contact_email_normalized_index",
    "mailing_contact_phone_sanitized_index",
)


def uninstall_hook(env):
    going = _fields_going(env)
    gone = set(going.mapped("name"))
    _refuse_record_rules_reading(env, gone)
    _pin_mailing_recipients(env, gone)
    _pin_mailing_filters(env, gone)
    _archive_filters(env, gone)
    _archive_automations(env, gone, going)
    for table, column in SQL_COLUMNS:
        env.cr.execute(
            SQL("ALTER TABLE %s DROP COLUMN IF EXISTS %s", SQL.identifier(table), SQL.identifier(column))
        )
    for index in SQL_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))


def _fields_going(env):
    """The fields the addon adds to other modules' models (``segment_ids``,
    ``lifecycle_stage``, the purchase figures...): they go with it, the models stay."""
    env.cr.execute(
        SQL(
            """SELECT DISTINCT f.id FROM ir_model_fields f
                 JOIN ir_model_data d ON d.model = 'ir.model.fields' AND d.res_id = f.id AND d.module = %(module)s
                WHERE EXISTS (SELECT 1 FROM ir_model_data o
                               WHERE o.model = 'ir.model' AND o.res_id = f.model_id AND o.module <> %(module)s)
                  AND NOT EXISTS (SELECT 1 FROM ir_model_data o
                                   WHERE o.model = 'ir.model.fields' AND o.res_id = f.id
                                     AND o.module <> %(module)s)""",
            module=MODULE,
        )
    )
    return env["ir.model.fields"].sudo().browse(row[0] for row in env.cr.fetchall())


def _only_the_addons(records):
    """Those of ``records`` that only the addon made: they go with it."""
    records.env.cr.execute(
        SQL(
            """SELECT res_id FROM ir_model_data WHERE model = %(model)s AND res_id IN %(ids)s
                GROUP BY res_id HAVING bool_and(module = %(module)s)""",
            model=records._name,
            ids=tuple(records.ids) or (None,),
            module=MODULE,
        )
    )
    return records.browse(row[0] for row in records.env.cr.fetchall())


def _pin_mailing_recipients(env, gone):
    """Mailings whose recipients' filter reads the addon's fields (the chosen segments,
    a stage, a purchase figure) get their recipients as ids instead, as Odoo's own
    "send to selected records" writes them. Otherwise Odoo reads a filter on fields that no
    longer exist: the Email Marketing app fails to open at all. A mailing still to send
    keeps the recipients it has now (the addon's rights checks applied); a sent one, those
    it was sent to; an A/B test's variant both (the final mailing, sent later, copies its
    filter and skips those already mailed). The filter it had is kept in its chatter."""
    mailings = env["mailing.mailing"].sudo().with_context(active_test=False).search([])
    for mailing in mailings:
        # chosen segments bound the recipients whatever the filter says (edited by hand)
        if not (mailing.segment_ids or _reads(env, mailing._parse_mailing_domain(), gone)):
            continue
        env.cr.execute(
            SQL(
                "SELECT DISTINCT res_id FROM mailing_trace WHERE mass_mailing_id = %s AND model = %s",
                mailing.id,
                mailing.mailing_model_real,
            )
        )
        recipients = {row[0] for row in env.cr.fetchall()}
        if mailing.state != "done" or mailing.ab_testing_enabled:  # before any A/B test's sample
            recipients.update(_selected_now(mailing))
        mailing.message_post(
            body=Markup("<p>%s</p><pre>%s</pre>")
            % (
                env._("Partner Segmentation was uninstalled: the recipients' filter below became their ids."),
                mailing.mailing_domain,
            ),
        )
        mailing.mailing_domain = repr([("id", "in", sorted(recipients))])


def _selected_now(mailing):
    """The ids ``mailing`` selects now, with the addon's rights checks; an A/B test's
    variant, bounded as the test's final mailing would be: by every user of its campaign's
    mailings (``_recipient_users``)."""
    domain = mailing._get_recipients_domain()
    if mailing.ab_testing_enabled and mailing.campaign_id:
        siblings = mailing.campaign_id.mailing_mail_ids
        users = (siblings.create_uid | siblings.write_uid | siblings.user_id).filtered(
            lambda user: not user._is_superuser()
        )
        domain = expression.AND([domain, *(mailing._selected_as(user, domain) for user in users)])
    return mailing.env[mailing.mailing_model_real].sudo().search(domain).ids


def _reads(env, domain, gone):
    """Whether ``domain`` (as stored: any value) reads one of the fields in ``gone``."""
    return isinstance(domain, list | tuple) and bool(env["mailing.mailing"]._fields_in(domain, gone))


def _pin_mailing_filters(env, gone):
    """Email Marketing's saved recipient filters on the addon's fields select no one, and
    keep what they said in their name: chosen for a mailing without the addon, they would
    break it as above. Not the ids they select now: such a filter is offered to every
    mailing user, whose own rights bounded it until now."""
    for saved in env["mailing.filter"].sudo().search([]):
        try:
            domain = literal_eval(saved.mailing_domain)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        if _reads(env, domain, gone):
            saved.write(
                {
                    "name": env._(
                        "%(name)s (needs Partner Segmentation: %(domain)s)",
                        name=saved.name,
                        domain=saved.mailing_domain,
                    ),
                    "mailing_domain": repr([("id", "in", [])]),
                }
            )


def _names_in_quotes(gone):
    """A pattern finding one of the field names ``gone`` quoted in a domain, context or
    sort as stored (text, with the user's variables): alone, in a path (``partner_id.x``),
    with a group-by interval (``x:month``) or a sort direction (``x desc``)."""
    names = "|".join(re.escape(name) for name in sorted(gone))
    return re.compile(rf"""['"](?:[\w.]*\.)?(?:{names})(?:[.:][\w.:]*)?(?:\s+\w+)*\s*['"]""")


def _archive_filters(env, gone):
    """Saved filters (favorites) that filter, group or sort by the addon's fields are
    archived, not deleted: applied without the addon, they would fail the view they open
    with."""
    quoted = _names_in_quotes(gone)
    filters = env["ir.filters"].sudo().search([])
    filters.filtered(lambda f: any(quoted.search(text or "") for text in (f.domain, f.context, f.sort))).write(
        {"active": False}
    )


def _refuse_record_rules_reading(env, gone):
    """Record rules of an administrator's making on the addon's fields stop the uninstall,
    with their names: without the fields, every read they guard would fail, and archiving
    them would widen what their users read."""
    quoted = _names_in_quotes(gone)
    rules = env["ir.rule"].sudo().search([]).filtered(lambda r: quoted.search(r.domain_force or ""))
    rules -= _only_the_addons(rules)
    rules -= rules.filtered(lambda rule: rule.model_id in _only_the_addons(rule.model_id))  # they go too
    if rules:
        raise UserError(
            env._(
                "These record rules read fields of Partner Segmentation, which would be gone: "
                "%(rules)s. Change their domains (Settings → Technical → Record Rules), then "
                "uninstall again.",
                rules=", ".join(f"“{rule.name or rule.id}” ({rule.model_id.model})" for rule in rules),
            )
        )


def _archive_automations(env, gone, going):
    """Automation rules (Automation Rules app) triggered by, or filtered on, the addon's
    fields are archived: without them, a rule filtered on segments would fail every
    change of a contact, and one set off by a purchase date would lose its date."""
    if "base.automation" not in env:
        return
    quoted = _names_in_quotes(gone)
    automations = env["base.automation"].sudo().search([])
    automations = automations.filtered(
        lambda a: any(quoted.search(text or "") for text in (a.filter_domain, a.filter_pre_domain))
        or (a.trg_date_id | a.trg_selection_field_id.field_id | a.trigger_field_ids | a.on_change_field_ids)
        & going
    )
    if automations:
        automations.active = False
        _logger.warning(
            "Partner Segmentation uninstalled: automation rules on its fields archived: %s",
            ", ".join(automations.mapped("name")),
        )
