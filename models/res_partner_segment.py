import logging
import time
from collections import defaultdict
from datetime import timedelta

from psycopg2 import errorcodes

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.osv.expression import READ_GROUP_NUMBER_GRANULARITY
from odoo.tools import SQL, Query, mute_logger
from odoo.tools.misc import format_date

from ..engine import domain as segment_domain
from ..engine import mailing, membership
from ..engine.batch import analyze_if_large, commit_if_allowed, local_settings, try_xact_lock
from .base import COMPANY_VIEW, GUARDED_RELATIONS, named_ids, notification
from .res_partner import ROW_FIELDS

_logger = logging.getLogger(__name__)

# The SQL Odoo generates for ('x_ids', 'not any', ...) is `id NOT IN (subquery)`; with
# PostgreSQL's default 4 MB it becomes an un-hashed subplan that runs for many minutes on
# a million partners. Recomputes run with enough memory for the hashed plan.
DEFAULT_WORK_MEM = "64MB"
# With that memory PostgreSQL reads a rebuild's selection alone rather than gather it from
# parallel workers, each row handed to the leader priced at 0.1: at 2M partners the stored
# figure's unchanged rebuild took 1.3-1.6 s so, 0.9-0.95 s from two workers (relation and
# live figure 13-19 % less). Rebuilds are planned at 0.01. A first build keeps the default:
# at 1M it gained nothing, and gathered, its comparison (every selected partner) goes
# through a table of its own (membership.py), which costs a segment of everyone 5-12 %.
REBUILD_PARALLEL_TUPLE_COST = 0.01
MAX_HOLDOUT_PERCENT = 50  # a control group of at most half the members
MAX_REFRESH_HOURS = 24 * 366
# Errors that say "try again": the segment is retried at the next scheduler run.
TRANSIENT_PGCODES = {errorcodes.SERIALIZATION_FAILURE, errorcodes.DEADLOCK_DETECTED, errorcodes.LOCK_NOT_AVAILABLE}
# First key of the transaction-level advisory locks that keep one recompute per segment.
RECOMPUTE_LOCK = 0x5E6D
# The scheduled actions that compute due segments: one job per cron worker that may run them
# at once, each taking segments one by one (``_take_for_scheduler``).
SCHEDULER_CRONS = (
    "partner_segmentation.ir_cron_segment_recompute",
    "partner_segmentation.ir_cron_segment_recompute_second",
)
LIST_LOCK = 0x5E6E
# the scheduler's wake-ups made by this transaction (``_wake_scheduler``)
WOKEN = "partner_segmentation.woken"
# context key: the member count in SQL is the one the user reads (``_as_shown``)
SHOWN_COUNTS = "partner_segmentation_shown_counts"
PARTNER_FIELDS = GUARDED_RELATIONS["res.partner.segment"]  # members, pinned, excluded
# the server actions run on who joins and who leaves: administrators choose them
ACTION_FIELDS = ("on_join_action_id", "on_leave_action_id")
# what a new segment's checks read, from its values or its defaults
DEFAULTS_CHECKED = (*PARTNER_FIELDS, *ACTION_FIELDS, "segment_type", "company_id")
# What decides, or runs on, a segment's members: whoever writes one of these becomes the
# author whose rights the scheduler uses.
CONDITION_FIELDS = {
    "domain",
    "company_id",
    "segment_type",
    "include_partner_ids",
    "exclude_partner_ids",
    "on_join_action_id",
    "on_leave_action_id",
}
# Written by the recompute and the scheduler only (in sudo), never by hand: a manager
# could otherwise postpone a segment's next run forever or fake its size.
SYSTEM_FIELDS = {
    "member_count",
    "last_computed_at",
    "last_duration",
    "last_error",
    "recompute_requested_at",
    "next_recompute_at",
    "last_mailing_at",
    "members_edited_at",
    "depends_on_ids",  # read from the conditions
    "actions_user_id",  # whoever chooses the join and leave actions
}
# Bounds on what one condition may make PostgreSQL plan, and on how long a check may run.
MAX_PATH_DEPTH = 6
MAX_ANY_DEPTH = 4
# segments in a row each naming the next in its conditions (each recomputed before the
# one that uses it)
MAX_SEGMENT_CHAIN = 10
CHECK_TIMEOUT = "10s"  # the check of conditions on save
COUNT_TIMEOUT = "5s"  # the live count while editing
DEFAULT_RECOMPUTE_TIMEOUT = "15min"  # one recompute (system parameter partner_segmentation.recompute_timeout)
# Saved conditions are applied at once when PostgreSQL expects at most this many members
# (system parameter partner_segmentation.recompute_on_save_limit), else by the scheduler,
# woken at once.
DEFAULT_RECOMPUTE_ON_SAVE_LIMIT = 50_000


def without_defaults(context):
    """A context without ``default_*`` keys: a segment created by code (freeze, template)
    takes only the values the code gives, not defaults a client slipped in."""
    return {key: value for key, value in context.items() if not key.startswith("default_")}


def in_company(records, company):
    """``records`` as their user reads them working in ``company`` alone (that company's
    rules and defaults, as if it were the only one selected in the company switcher)."""
    return records.with_company(company).with_context(allowed_company_ids=company.ids)


def first_line(exc):
    """The first line of an error's message (the database's carry a detail and a hint
    below it), or its type when it has no message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class ResPartnerSegment(models.Model):
    _name = "res.partner.segment"
    _description = "Partner Segment"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text()
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty to share the segment with every company. A company's segment "
        "only holds partners that company may see, and reads company-dependent figures "
        "(lifecycle stage, purchases) for that company.",
    )
    segment_type = fields.Selection(
        [("dynamic", "Dynamic"), ("static", "Static")],
        string="Type",
        required=True,
        default="dynamic",
        help="Dynamic: members are whatever the conditions select, kept current by the "
        "scheduler. Static: a fixed list filled by hand, never changed by the scheduler.",
    )
    domain = fields.Char(
        "Conditions",
        default="[]",
        help="Which partners belong to the segment. Dates relative to today "
        "(context_today() - relativedelta(days=90)) are re-evaluated at every recompute.",
    )
    partner_ids = fields.Many2many(
        "res.partner", membership.MEMBER_TABLE, "segment_id", "partner_id", string="Members", copy=False
    )
    member_count = fields.Integer(readonly=True, copy=False, default=0)
    counts_partial = fields.Boolean(
        "Counts limited to your companies",
        compute="_compute_visible_member_count",
        help="A segment shared with all companies, shown to a user working in some of them: "
        "its counts are of the members that user may read.",
    )
    visible_member_count = fields.Integer(
        "Members you may read",
        compute="_compute_visible_member_count",
        help="Members you may read. For a segment shared with all companies, a user of some "
        "companies only counts the members those companies let them read.",
    )
    shared_locked = fields.Boolean(
        "Shared, changed by others",
        compute="_compute_shared_locked",
        help="A segment shared with every company: only a user allowed in every company may change it.",
    )
    include_partner_ids = fields.Many2many(
        "res.partner",
        "res_partner_segment_include",
        "segment_id",
        "partner_id",
        string="Always included",
        help="Pinned partners stay members whatever the conditions.",
    )
    exclude_partner_ids = fields.Many2many(
        "res.partner",
        "res_partner_segment_exclude",
        "segment_id",
        "partner_id",
        string="Always excluded",
        help="Excluded partners never become members.",
    )
    mailing_list_ids = fields.Many2many(
        "mailing.list",
        "res_partner_segment_mailing_list_rel",
        "segment_id",
        "list_id",
        string="Linked mailing lists",
        check_company=False,
        help="Synced with the members when linked, after each recompute and, for a static "
        "segment, after each change of its members.",
    )
    holdout_percent = fields.Integer(
        "Holdout (%)",
        default=0,
        help="Share of the members kept out of every push and sync into a mailing list: a "
        "control group, to measure what a campaign changed. The same partners each time "
        "(chosen from the segment and the partner, not at random), so a later sync never "
        "subscribes them. From 0 to 50.",
    )
    refresh_interval = fields.Integer(
        "Refresh every (hours)",
        default=24,
        help="The scheduler recomputes the segment when this many hours have passed.",
    )
    last_computed_at = fields.Datetime("Last computed", readonly=True, copy=False)
    last_duration = fields.Float("Last duration (s)", readonly=True, copy=False, digits=(16, 3))
    last_error = fields.Text("Last error", readonly=True, copy=False)
    members_edited_at = fields.Datetime(
        "Members last edited",
        readonly=True,
        copy=False,
        # when a shared segment gained a member of a company the reader may not read
        groups="base.group_system",
        help="Static segments: when partners were last added or removed. The segments that "
        "use this one are recomputed at the scheduler's next run.",
    )
    next_recompute_at = fields.Datetime(
        "Next recompute", compute="_compute_next_recompute_at", store=True, index=True
    )
    recompute_requested_at = fields.Datetime(
        "Recompute pending since",
        readonly=True,
        copy=False,
        help="The conditions changed and the scheduler recomputes the members in a moment.",
    )
    author_id = fields.Many2one(
        "res.users",
        "Conditions by",
        readonly=True,
        copy=False,
        ondelete="restrict",
        help="The user who last wrote the conditions: the scheduler evaluates them with this "
        "user's rights, in the segment's company. Empty: written by the system, evaluated "
        "as the segment's company sees its data.",
    )
    depends_on_ids = fields.Many2many(
        "res.partner.segment",
        "res_partner_segment_dependency",
        "segment_id",
        "depends_on_id",
        string="Uses segments",
        compute="_compute_depends_on_ids",
        store=True,
        compute_sudo=False,
        help="Segments named in the conditions: they are recomputed first.",
    )
    history_ids = fields.One2many("res.partner.segment.history", "segment_id")
    on_join_action_id = fields.Many2one(
        "ir.actions.server",
        string="When partners join",
        domain=[("model_id.model", "=", "res.partner")],
        help="Server action run on the partners that joined, in batches, after each "
        "recompute (e.g. create an activity, add a tag). Not run on a first build.",
    )
    on_leave_action_id = fields.Many2one(
        "ir.actions.server",
        string="When partners leave",
        domain=[("model_id.model", "=", "res.partner")],
        help="Server action run on the partners that left, in batches, after each recompute.",
    )
    actions_user_id = fields.Many2one(
        "res.users",
        "Actions chosen by",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The administrator who chose the join and leave actions: they run as this user "
        "(empty: chosen by the system, run as the administrator), whoever wrote the conditions.",
    )
    last_mailing_at = fields.Datetime(
        "Last used in a mailing",
        readonly=True,
        copy=False,
        help="Last time the segment was pushed to a list or a mailing was started from it.",
    )
    is_stale = fields.Boolean(
        "Stale",
        compute="_compute_is_stale",
        search="_search_is_stale",
        help="Dynamic and not computed within its refresh interval.",
    )
    audit_findings = fields.Char(
        "Why audited",
        compute="_compute_audit_findings",
        help="What the audit found: failing, stale, empty, never used in a mailing.",
    )
    domain_match_count = fields.Integer(
        "Matching now",
        compute="_compute_domain_match_count",
        help="Partners the conditions select right now, before saving.",
    )
    domain_match_counted = fields.Boolean(compute="_compute_domain_match_count")
    domain_match_error = fields.Char("Why the conditions are not counted", compute="_compute_domain_match_count")

    _sql_constraints = [
        (
            "refresh_interval_positive",
            "CHECK(refresh_interval > 0)",
            "The refresh interval must be at least one hour.",
        ),
    ]

    @api.constrains("holdout_percent")
    def _check_holdout_percent(self):
        for segment in self:
            self._check_holdout_share(segment.holdout_percent)

    @api.model
    def _check_holdout_share(self, share):
        """A holdout share from 0 to MAX_HOLDOUT_PERCENT, on a segment or in a push."""
        if not 0 <= share <= MAX_HOLDOUT_PERCENT:
            raise ValidationError(
                self.env._(
                    "A holdout of %(share)s %% is not possible: keep between 0 and %(max)s %% of the members "
                    "out of mailings (a larger control group leaves too few to mail).",
                    share=share,
                    max=MAX_HOLDOUT_PERCENT,
                )
            )

    @api.constrains("refresh_interval")
    def _check_refresh_interval(self):
        for segment in self:
            if not 1 <= segment.refresh_interval <= MAX_REFRESH_HOURS:
                raise ValidationError(
                    self.env._(
                        "The refresh interval of segment “%(name)s” is %(hours)s hours: choose "
                        "between 1 and %(max)s hours (a year).",
                        name=segment.name,
                        hours=segment.refresh_interval,
                        max=MAX_REFRESH_HOURS,
                    )
                )

    # ------------------------------------------------------------------ computes

    @api.depends("last_computed_at", "refresh_interval", "segment_type", "active", "recompute_requested_at")
    def _compute_next_recompute_at(self):
        for segment in self:
            if segment.segment_type != "dynamic":
                segment.next_recompute_at = False
            elif segment.recompute_requested_at:
                segment.next_recompute_at = segment.recompute_requested_at
            elif not segment.last_computed_at:
                segment.next_recompute_at = fields.Datetime.now()
            else:
                segment.next_recompute_at = segment.last_computed_at + timedelta(
                    hours=min(segment.refresh_interval or 24, MAX_REFRESH_HOURS)
                )

    @api.depends("next_recompute_at")
    def _compute_is_stale(self):
        now = fields.Datetime.now()
        for segment in self:
            segment.is_stale = bool(segment.next_recompute_at and segment.next_recompute_at < now)

    @api.depends("last_error", "is_stale", "visible_member_count", "last_mailing_at", "mailing_list_ids")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_audit_findings(self):
        """The audit's filters a segment falls under, in words: the audit lists the segments
        under any of them, this says which. Empty as the audit's filter and the Members
        column count: the members the user reads."""
        for segment in self:
            findings = (
                (segment.last_error, self.env._("Failing")),
                (segment.is_stale, self.env._("Stale")),
                (not segment.visible_member_count, self.env._("Empty")),
                (not (segment.last_mailing_at or segment.mailing_list_ids), self.env._("Never used in a mailing")),
            )
            segment.audit_findings = ", ".join(words for found, words in findings if found)

    def _search_is_stale(self, operator, value):
        stale = [("segment_type", "=", "dynamic"), ("next_recompute_at", "<", fields.Datetime.now())]
        positive = (operator == "=") == bool(value)
        return stale if positive else ["!", "&"] + stale

    @api.depends("domain", "segment_type", "company_id")
    def _compute_depends_on_ids(self):
        """As the scheduler reads them: in the segment's company (in every company of the
        user for a shared one), not in the companies the user's switcher shows now."""
        allowed = self.env.user.company_ids
        for segment in self:
            companies = segment.company_id & allowed or allowed
            try:
                segment.depends_on_ids = segment.with_context(
                    allowed_company_ids=companies.ids
                )._referenced_segments()
            except segment_domain.DomainError:
                segment.depends_on_ids = False

    @api.depends("member_count", "company_id")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_visible_member_count(self):
        """A company's segment holds what its users may read: its stored count. A shared
        segment holds every company's partners: a user working in fewer companies (those
        allowed, or those selected in the company switcher) gets the count of the members
        that user may read there, in one grouped query -- the count the members list shows."""
        partial = self.browse()
        if not self._shows_stored_counts():  # saved segments and their copies in a form (onchange)
            partial = self.filtered(lambda s: s._origin.id and not s._origin.company_id)
        counts = membership.count_members(
            self.env.cr, partial._origin.ids, partial and self._readable_partners_sql()
        )
        for segment in self:
            segment.counts_partial = segment in partial
            segment.visible_member_count = (
                counts[segment._origin.id] if segment.counts_partial else segment.member_count
            )

    @api.depends("company_id")
    @api.depends_context("uid")
    def _compute_shared_locked(self):
        locked = not self.env.su and not self._is_user_of_every_company()
        for segment in self:
            segment.shared_locked = locked and not segment.company_id

    def _read_format(self, fnames, load="_classic_read"):
        """A user of some companies reads, as a shared segment's member count, the count of
        the members that user may read (the stored count holds every company's)."""
        result = super()._read_format(fnames, load)
        if "member_count" in fnames and not self._shows_stored_counts():
            shown = {segment.id: segment.visible_member_count for segment in self}
            for values in result:
                values["member_count"] = shown.get(values["id"], values["member_count"])
        return result

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        """Exports too (of segments, or of the segments of partners and lists) give a user
        of some companies the member count that user reads."""
        if not self._shows_stored_counts():
            # any path from the count: Odoo exports the value of its first field
            fields = [
                ["visible_member_count", *path[1:]] if path[:1] == ["member_count"] else path for path in fields
            ]
        return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)

    # Searching, sorting and grouping by the member count, for a user of some companies only:
    # by the counts that user reads (a shared segment's stored count would tell how many of
    # its members are other companies' partners).
    def _condition_to_sql(self, alias, fname, operator, value, query):
        return super(ResPartnerSegment, self._as_shown(fname))._condition_to_sql(
            alias, fname, operator, value, query
        )

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        return super(ResPartnerSegment, self._as_shown(field_name))._order_field_to_sql(
            alias, field_name, direction, nulls, query
        )

    def _read_group_select(self, aggregate_spec, query):
        return super(ResPartnerSegment, self._as_shown(aggregate_spec.split(":")[0]))._read_group_select(
            aggregate_spec, query
        )

    def _read_group_groupby(self, groupby_spec, query):
        return super(ResPartnerSegment, self._as_shown(groupby_spec.split(":")[0]))._read_group_groupby(
            groupby_spec, query
        )

    def _as_shown(self, fname):
        """This model, with the member count as the user reads it when ``fname`` is it."""
        if fname == "member_count" and not self._shows_stored_counts():
            return self.with_context(**{SHOWN_COUNTS: True})
        return self

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        stored = super()._field_to_sql(alias, fname, query, flush)
        if fname != "member_count" or not self.env.context.get(SHOWN_COUNTS):
            return stored
        return SQL(
            """(CASE WHEN %(company)s IS NULL
                     THEN (SELECT count(*) FROM %(members)s m JOIN res_partner p ON p.id = m.partner_id
                            WHERE m.segment_id = %(segment)s AND p.active
                              AND m.partner_id IN (%(readable)s))
                     ELSE %(stored)s END)""",
            company=SQL.identifier(alias, "company_id"),
            members=SQL.identifier(membership.MEMBER_TABLE),
            segment=SQL.identifier(alias, "id"),
            readable=self._readable_partners_sql(),
            stored=stored,
        )

    def _shows_stored_counts(self):
        """Whether the user reads the stored member counts: the superuser, or a user working
        in every company (``_compute_visible_member_count``)."""
        return self.env.su or self._works_in_every_company()

    @api.model
    def _works_in_every_company(self):
        """Whether the companies the user works in now (``env.companies``) are all of them."""
        return not self.env["res.company"].sudo().search_count([("id", "not in", self.env.companies.ids)])

    @api.model
    def _is_user_of_every_company(self):
        return not self.env["res.company"].sudo().search_count([("id", "not in", self.env.user.company_ids.ids)])

    @api.depends("domain", "company_id", "segment_type")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_domain_match_count(self):
        """The partners the conditions select now *that the current user may read*: the
        user's own search, in the user's companies (the segment's company when it is one of
        them). Only segmentation users get a count; conditions on fields the user may not
        read count nothing."""
        may_count = self.env.su or self.env.user.has_group("partner_segmentation.group_segment_user")
        for segment in self:
            segment.domain_match_count = 0
            segment.domain_match_error = False
            # counted while the conditions are edited (a record of the form's onchange), not
            # on every open of a saved segment: at a million partners a count takes seconds
            segment.domain_match_counted = editing = isinstance(segment.id, models.NewId) and bool(
                (segment.domain or "").strip() not in ("", "[]")
            )
            if not may_count or not editing:
                continue
            try:
                with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                    domain = segment_domain.parse(self.env, segment.domain)  # uid: the editor's
                    Partner = segment._user_partner_env()
                    segment._check_conditions_readable(domain, Partner)
                    with local_settings(self.env.cr, statement_timeout=COUNT_TIMEOUT):
                        segment.domain_match_count = Partner.search_count(Partner._rule_bound_domain(domain))
            except Exception as exc:  # noqa: BLE001 - said beside the count, not raised
                segment.domain_match_count = 0
                segment.domain_match_error = segment._count_failure(exc)

    def _count_failure(self, exc):
        """What the live count says instead of a count when counting failed with ``exc``:
        never "0 partners match", which a marketer would take for an answer."""
        if getattr(exc, "pgcode", None) == errorcodes.QUERY_CANCELED:
            return self.env._("Counting took more than %s: the members are computed when you save.", COUNT_TIMEOUT)
        if not self.env.user.has_group("partner_segmentation.group_segment_manager"):  # they do not edit them
            return self.env._("These conditions cannot be counted for you: %s.", first_line(exc))
        return self.env._(
            "These conditions cannot be counted: %s. Check the fields, operators and values.", first_line(exc)
        )

    # ------------------------------------------------------------------ domain

    def _parsed_domain(self):
        """The conditions as a domain; ``uid`` and today are those of their author (the
        user who wrote them), whoever runs the recompute."""
        self.ensure_one()
        author = self.sudo().author_id
        if not author:
            return segment_domain.parse(self.env, self.domain)
        return segment_domain.parse(
            self.env(user=author.id, context=dict(self.env.context, tz=author.tz)), self.domain
        )

    def _referenced_segments(self, missing=None):
        """Segments whose membership this segment's conditions read: every field path that
        ends on a segment, at any depth (``segment_ids``, ``parent_id.segment_ids``,
        ``child_ids`` any [...``segment_ids``...]). ``missing``: a set given receives the ids
        named that no longer exist."""
        self.ensure_one()
        if self.segment_type != "dynamic":
            return self.browse()
        return self._segments_in(self._parsed_domain(), self.env["res.partner"], missing)

    def _segments_in(self, domain, model, missing=None):
        """As the current user: a segment that user may not read is never found (nor
        named, nor guessed), and cannot take part in the user's conditions anyway."""
        Segment = self.with_context(active_test=False)
        found = Segment.browse()
        for path, operator, value in segment_domain.leaves(domain):
            current, names = model, path.split(".")
            for position, name in enumerate(names):
                field = current._fields.get(name)
                if field is None or not field.relational:
                    break
                rest = ".".join(names[position + 1 :])
                if field.comodel_name == self._name:
                    found |= self._segments_named(rest, operator, value, missing)
                    break
                current = self.env[field.comodel_name]
                if not rest and operator in ("any", "not any"):
                    found |= self._segments_in(segment_domain.as_domain(value), current, missing)
        return found

    def _segments_named(self, rest, operator, value, missing=None):
        """The segments a condition on a segment relation reads: those it names by id; every
        segment when it names them otherwise. "Is set" / "is not set", a name, a field of the
        segments, a sub-condition: which segments match depends on data that changes without
        this segment being saved again (another segment renamed into "contains 'Loop'")."""
        Segment = self.with_context(active_test=False)
        values = value if isinstance(value, list | tuple) else [value]
        ids = [
            int(v)
            for v in values
            if (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
        ]
        if rest or operator in ("any", "not any") or len(ids) < len(values):
            # segments, not partners: a few hundred at most
            return Segment.search([])  # pylint: disable=no-search-all
        named = Segment.browse(ids).exists()
        if missing is not None:
            missing.update(set(ids) - set(named.ids))
        return named._filtered_access("read")

    def _partner_env(self):
        """res.partner as the scheduler evaluates this segment's conditions: with the
        rights of the user who wrote them (``author_id``), in the segment's company (in
        every company of that user for a shared segment). Conditions written by the system
        run in sudo, bound by the global (multi-company) record rules of every model they
        read, for the segment's company."""
        self.ensure_one()
        author = self.sudo().author_id
        if author:
            companies = self.company_id or author.company_ids
            if companies - author.company_ids:
                raise UserError(
                    self.env._(
                        "%(user)s, who wrote the conditions of segment “%(name)s”, is no longer "
                        "allowed in %(company)s: a manager of that company must save them again.",
                        user=author.name,
                        name=self.name,
                        company=self.company_id.name,
                    )
                )
            return (
                self.env["res.partner"]
                .with_user(author)
                .with_company(companies[:1])
                .with_context(allowed_company_ids=companies.ids)
            )
        return self._company_view_partners(self.company_id) if self.company_id else self.env["res.partner"].sudo()

    @api.model
    def _company_view_partners(self, company):
        """res.partner in sudo, bound by the global record rules of ``company``: what any
        user of that company may see."""
        Partner = self.env["res.partner"].sudo().with_company(company)
        return Partner.with_context(allowed_company_ids=company.ids, **{COMPANY_VIEW: True})

    def _user_partner_env(self):
        """res.partner as the current user reads it, in the segment's company when the user
        is allowed in it."""
        self.ensure_one()
        Partner = self.env["res.partner"]
        company = self.company_id._origin
        if company and not self.env.su and company in self.env.user.company_ids:
            Partner = in_company(Partner, company)
        return Partner

    def _domain_query(self):
        """SQL selecting the ids of the partners the conditions match now."""
        self.ensure_one()
        Partner = self._partner_env()
        domain = Partner._merge_lifecycle_conditions(Partner._rule_bound_domain(self._parsed_domain()))
        return Partner._search(domain).select(SQL.identifier("res_partner", "id"))

    @api.model
    def _check_conditions_readable(self, domain, model, depth=0):
        """Raise DomainError when a condition reads a field that ``model``'s user may not
        read (its model, or the field's groups), or that cannot be searched, at any depth;
        or when it goes deeper than PostgreSQL should plan for a segment."""
        if depth > MAX_ANY_DEPTH:
            raise segment_domain.DomainError(f"conditions are nested more than {MAX_ANY_DEPTH} levels deep")
        for path, operator, value in segment_domain.leaves(domain):
            current, names = model, path.split(".")
            if len(names) > MAX_PATH_DEPTH:
                raise segment_domain.DomainError(f"“{path}” goes through more than {MAX_PATH_DEPTH} fields")
            for position, name in enumerate(names):
                field = current._fields.get(name)
                if field is None:
                    if (
                        position
                        and current._fields[names[position - 1]].type in ("date", "datetime")
                        and name in READ_GROUP_NUMBER_GRANULARITY
                    ):
                        break  # create_date.year_number
                    raise segment_domain.DomainError(
                        f"the field '{name}' does not exist on {current._description}"
                    )
                self._check_field_readable(current, field)
                if not field.relational:
                    continue
                current = current.env[field.comodel_name]
            self._check_model_readable(current)  # "Sales Orders is set": they are read too
            if operator in ("any", "not any"):
                self._check_conditions_readable(segment_domain.as_domain(value), current, depth + 1)
            if operator in ("child_of", "parent_of") and not segment_domain.is_ids(value):
                # by name, Odoo looks up every record of that name, then each one's whole
                # family, into one list of ids as long as the database is large
                raise segment_domain.DomainError(
                    f"“{path}” {operator} takes records by their id, not a name: choose them in the editor"
                )

    @api.model
    def _check_model_readable(self, model):
        if not model.browse().has_access("read"):
            raise segment_domain.DomainError(f"you may not read {model._description} ({model._name})")

    @api.model
    def _check_field_readable(self, model, field):
        """Raise DomainError unless ``model``'s user may read and search ``field`` of it."""
        self._check_model_readable(model)
        if not field.is_accessible(model.env):
            groups = [
                group.full_name
                for xmlid in (field.groups or "").split(",")
                if (group := self.env.ref(xmlid.strip(), raise_if_not_found=False))
            ]
            raise segment_domain.DomainError(
                f"you may not read the field “{field.string}” ({field.name}) of {model._description}"
                + (f": it is for {', '.join(groups)}" if groups else "")
            )
        if not (field.store or field.search):
            raise segment_domain.DomainError(
                f"the field “{field.string}” ({field.name}) of {model._description} cannot be searched"
            )

    def _recompute_settings(self):
        """PostgreSQL settings of this segment's recompute: the work_mem that keeps `NOT IN
        (subquery)` plans hashed, the time limit of each statement and, for a rebuild, rows
        from parallel workers priced at ``REBUILD_PARALLEL_TUPLE_COST`` (or the server's
        own price, if lower)."""
        params = self.env["ir.config_parameter"].sudo()
        settings = {
            "work_mem": params.get_param("partner_segmentation.work_mem", DEFAULT_WORK_MEM),
            "statement_timeout": params.get_param(
                "partner_segmentation.recompute_timeout", DEFAULT_RECOMPUTE_TIMEOUT
            ),
        }
        if self.member_count:
            self.env.cr.execute("SELECT current_setting('parallel_tuple_cost')::float")
            settings["parallel_tuple_cost"] = min(self.env.cr.fetchone()[0], REBUILD_PARALLEL_TUPLE_COST)
        return settings

    def _membership_selection(self):
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """SELECT EXISTS(SELECT 1 FROM res_partner_segment_include WHERE segment_id = %s),
                      EXISTS(SELECT 1 FROM res_partner_segment_exclude WHERE segment_id = %s)""",
                self.id,
                self.id,
            )
        )
        has_includes, has_excludes = self.env.cr.fetchone()
        return membership.selection_with_pins(self._domain_query(), self.id, has_includes, has_excludes)

    @api.constrains("domain", "segment_type", "company_id", "author_id")
    def _check_domain(self):
        """Conditions are checked as the user who writes them (fields that user may not
        read or that cannot be searched are refused), then run once, returning no row, as
        the scheduler will run them: bad values fail here, not at the next recompute."""
        for segment in self:
            try:
                domain = segment._parsed_domain()
                segment._check_conditions_readable(domain, segment._user_partner_env())
                with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                    query = segment._domain_query()
                    with local_settings(self.env.cr, statement_timeout=CHECK_TIMEOUT):
                        self.env.cr.execute(SQL("%s LIMIT 0", query))
            except segment_domain.DomainError as exc:
                raise ValidationError(
                    self.env._(
                        "The conditions of segment “%(name)s” are not usable: %(reason)s.",
                        name=segment.name,
                        reason=exc,
                    )
                ) from None
            except AccessError:
                raise
            except (ValueError, KeyError, TypeError, IndexError, UserError) as exc:
                raise ValidationError(
                    self.env._(
                        "The conditions of segment “%(name)s” are not usable: %(reason)s. "
                        "Check the field names, operators and values.",
                        name=segment.name,
                        reason=exc,
                    )
                ) from None
            except Exception as exc:  # noqa: BLE001 - the database refused a value
                raise ValidationError(
                    self.env._(
                        "The conditions of segment “%(name)s” are not usable: the database "
                        "refused them (%(reason)s). Check the values.",
                        name=segment.name,
                        reason=first_line(exc),
                    )
                ) from None
        self._check_dependency_cycle()

    def _check_global_segment_author(self):
        """A segment shared with all companies is computed over every company's data: only
        a user allowed in every company may create, change or delete one, so that no one
        learns through its members what another company's records hold, nor removes
        members they may not see."""
        shared = self.filtered(lambda s: not s.company_id)
        if shared and not self.env.su and not self._is_user_of_every_company():
            raise ValidationError(
                self.env._(
                    "Only a user allowed in every company may create, change or delete a segment "
                    "shared with all companies (“%s”): set its company.",
                    shared[0].name,
                )
            )

    def _check_dependency_cycle(self):
        """No segment uses itself, directly or through others, and no chain of segments
        each using the next is longer than MAX_SEGMENT_CHAIN. The uses are computed as the
        writer, then followed in SQL through segments of other authors and archived ones
        (they may come back): followed through the ORM in sudo, they stayed in the cache the
        user's own read of them shares (the answer to the save)."""
        self.mapped("depends_on_ids")
        self.flush_model(["depends_on_ids"])
        for segment in self:
            below, above = segment._chain_lengths()
            if below is None:
                raise ValidationError(
                    self.env._(
                        "Segment “%(name)s” cannot use itself, directly or through other "
                        "segments: remove that segment condition. (A condition on segments "
                        "other than by the segments themselves, such as “is set” or a name, "
                        "reads every segment, this one too: choose the segments instead.)",
                        name=segment.name,
                    )
                )
            if below + 1 + above > MAX_SEGMENT_CHAIN:
                raise ValidationError(
                    self.env._(
                        "Segment “%(name)s” would be one of more than %(max)s segments in a row each "
                        "using the next: use fewer levels of segments in conditions.",
                        name=segment.name,
                        max=MAX_SEGMENT_CHAIN,
                    )
                )

    def _chain_lengths(self, above=True):
        """(segments in a row below this one, above it): the longest chains of segments it
        uses and of segments using it, each counted up to just past MAX_SEGMENT_CHAIN;
        below is None when the segment uses itself. ``above=False``: below only (above 0)."""
        self.ensure_one()
        lengths = []
        directions = (("depends_on_id", "segment_id"), ("segment_id", "depends_on_id"))
        for start, step in directions if above else directions[:1]:
            self.env.cr.execute(
                SQL(
                    """WITH RECURSIVE walk(id, depth) AS (
                           SELECT %(start)s, 1 FROM res_partner_segment_dependency WHERE %(step)s = %(id)s
                            UNION
                           SELECT d.%(start)s, w.depth + 1
                             FROM res_partner_segment_dependency d JOIN walk w ON d.%(step)s = w.id
                            WHERE w.depth <= %(max)s AND w.id <> %(id)s)
                       SELECT coalesce(max(depth), 0), bool_or(id = %(id)s) FROM walk""",
                    start=SQL.identifier(start),
                    step=SQL.identifier(step),
                    id=self.id,
                    max=MAX_SEGMENT_CHAIN,
                )
            )
            depth, looped = self.env.cr.fetchone()
            lengths.append(None if looped else depth)
        return lengths[0], (lengths[1] or 0) if above else 0

    @api.constrains("include_partner_ids", "exclude_partner_ids")
    def _check_pins(self):
        for segment in self:
            both = segment.include_partner_ids & segment.exclude_partner_ids
            if both:
                raise ValidationError(
                    self.env._(
                        "%(partners)s cannot be both always included and always excluded in "
                        "segment “%(name)s”.",
                        partners=", ".join(both.mapped("display_name")),
                        name=segment.name,
                    )
                )

    # ------------------------------------------------------------------ ORM

    @api.model
    def default_get(self, fields_list):
        """A user's own defaults (context keys, or an ``ir.default`` set from any form) never
        set what only the recompute writes, nor who wrote the conditions."""
        defaults = super().default_get(fields_list)
        if not self.env.su:
            for fname in (SYSTEM_FIELDS | {"author_id"}) & defaults.keys():
                field = self._fields[fname]
                if field.default:
                    defaults[fname] = field.default(self)
                else:
                    del defaults[fname]
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        context_defaults = {
            key[8:]: value for key, value in self.env.context.items() if key.startswith("default_")
        }
        for vals in vals_list:
            self._refuse_system_fields({**context_defaults, **vals})
            # what the segment gets: the values, else the defaults (the context's, the user's
            # own ``ir.default``s, the fields')
            given = {**self.default_get([f for f in DEFAULTS_CHECKED if f not in vals]), **vals}
            self._refuse_hand_set_members(given, {given.get("segment_type") or "dynamic"})
            if "author_id" in vals and not self.env.su:
                raise UserError(self.env._("The author of a segment's conditions is whoever writes them."))
            company = self.env["res.company"].browse(given.get("company_id", self.env.company.id))
            self._check_partners_readable(given, company)
            if not self.env.su or "author_id" not in vals:
                vals["author_id"] = False if self.env.su else self.env.uid
            if not self.env.su and any(given.get(fname) for fname in ACTION_FIELDS):  # defaults too
                self._refuse_actions_changed_by_non_administrators(dict.fromkeys(ACTION_FIELDS, True))
                vals["actions_user_id"] = self.env.uid
        segments = super().create(vals_list)
        segments._check_global_segment_author()
        static = segments.filtered(lambda s: s.segment_type == "static")
        static._refresh_member_count()
        static.filtered("member_count")._lists_follow()
        segments._follow_conditions()
        return segments

    def write(self, vals):
        self._refuse_system_fields(vals)
        self._refuse_actions_changed_by_non_administrators(vals)
        self._refuse_hand_set_members(
            vals, {vals["segment_type"]} if "segment_type" in vals else set(self.mapped("segment_type"))
        )
        if "author_id" in vals and not self.env.su:
            raise UserError(self.env._("The author of a segment's conditions is whoever writes them."))
        self._check_global_segment_author()
        if vals.get("segment_type") == "dynamic":
            self._refuse_dropping_hand_made_members()
        companies = {vals["company_id"]} if "company_id" in vals else {s.company_id.id for s in self}
        for company_id in companies or {False}:
            self._check_partners_readable(vals, self.env["res.company"].browse(company_id))
        if CONDITION_FIELDS & set(vals) and not self.env.su:
            vals = {**vals, "author_id": self.env.uid}
        if not self.env.su and self._actions_changed(vals):
            vals = {**vals, "actions_user_id": self.env.uid}
        if vals.get("last_computed_at"):  # a computation answers a pending request
            vals = {"recompute_requested_at": False, **vals}
        lists_before = {s.id: s.sudo().mailing_list_ids for s in self} if "mailing_list_ids" in vals else {}
        res = super().write(vals)
        if vals.get("company_id") and not self.env.su:
            self._check_members_readable_in_company()
        self._check_global_segment_author()
        if "partner_ids" in vals:
            self._refresh_member_count()
            self._members_edited()
        recomputed = CONDITION_FIELDS & set(vals) or vals.get("active")
        if recomputed:
            self._follow_conditions()
        if lists_before:
            self._follow_linked_lists(lists_before, skip_dynamic=recomputed)
        return res

    def _follow_linked_lists(self, lists_before, skip_dynamic=False):
        """Lists newly linked to these segments are filled now (``_sync_lists_soon``), not
        at the next recompute; ``skip_dynamic``: the dynamic ones were just recomputed (or
        handed to the scheduler), which syncs every list."""
        for segment in self.sudo().filtered(lambda s: s.active and s._was_built()):
            if skip_dynamic and segment.segment_type == "dynamic":
                continue
            if linked := segment.mailing_list_ids - lists_before[segment.id]:
                segment._sync_lists_soon(linked)

    def _refuse_system_fields(self, vals):
        if not self.env.su and SYSTEM_FIELDS & set(vals):
            raise UserError(
                self.env._(
                    "%s are written by the recompute, not by hand.",
                    ", ".join(sorted(self._fields[fname].string for fname in SYSTEM_FIELDS & set(vals))),
                )
            )

    def _refuse_actions_changed_by_non_administrators(self, vals):
        """Server actions are for administrators, as everywhere in Odoo: they choose a
        segment's join and leave actions, and only they may take them off."""
        if self.env.su or self.env.user.has_group("base.group_system"):
            return
        if self._actions_changed(vals):
            raise UserError(self.env._("Only administrators choose the actions run when partners join or leave."))

    def _actions_changed(self, vals):
        """Whether ``vals`` change these segments' actions (on a new segment: sets any)."""
        actions = set(ACTION_FIELDS) & set(vals)
        if not self:
            return any(vals[fname] for fname in actions)
        return any(segment[fname].id != (vals[fname] or False) for segment in self for fname in actions)

    def _refuse_dropping_hand_made_members(self):
        """A static segment's members were chosen by hand: a dynamic segment's are what its
        conditions select, so making it dynamic would drop that list without a trace."""
        static = self.filtered(lambda s: s.segment_type == "static")
        if not static:
            return
        static.flush_recordset(["partner_ids"])
        self.env.cr.execute(
            SQL(
                """SELECT u.sid FROM unnest(%s::int[]) u(sid)
                    WHERE EXISTS (SELECT 1 FROM %s WHERE segment_id = u.sid)""",
                static.ids,
                SQL.identifier(membership.MEMBER_TABLE),
            )
        )
        holding = self.browse(row[0] for row in self.env.cr.fetchall())
        if holding:
            raise UserError(
                self.env._(
                    "Segment “%s” is static: its members were chosen by hand, and as a dynamic "
                    "segment they would be replaced by what its conditions select. Create a "
                    "dynamic segment with these conditions instead (pin partners there to keep "
                    "them), or remove this segment's members first.",
                    holding[0].name,
                )
            )

    def _refuse_hand_set_members(self, vals, segment_types):
        """A dynamic segment's members are what its conditions select, and its exceptions
        are pins: members set by hand would be exported, pushed and synced, then counted as
        leaving at the next recompute."""
        if not self.env.su and "partner_ids" in vals and "dynamic" in segment_types:
            raise UserError(
                self.env._(
                    "A dynamic segment's members follow its conditions: pin or exclude partners "
                    "instead, or make the segment static."
                )
            )

    @api.model
    def _recompute_on_save_limit(self):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("partner_segmentation.recompute_on_save_limit", DEFAULT_RECOMPUTE_ON_SAVE_LIMIT)
        )

    def _follow_conditions(self):
        """Members follow newly saved conditions (or an unarchived segment): at once when
        PostgreSQL expects a small segment, otherwise the scheduler is woken now and the
        form says a recompute is pending -- the members and pushes never lag behind what
        the user saved until the next scheduled run."""
        limit = self._recompute_on_save_limit()
        dynamic = self.sudo().filtered(lambda s: s.active and s.segment_type == "dynamic")
        dynamic.with_env(self.env)._check_triggering_user()
        later = self.browse()
        for segment in dynamic._in_dependency_order():
            if segment._expected_size() > limit or segment._recompute_one() is None:
                later |= segment
        later._request_recompute()

    @api.model
    def _follow_lifecycle(self, companies):
        """After a lifecycle recompute of ``companies``: their segments (and shared ones)
        whose conditions read a stage or a purchase figure are recomputed now."""
        segments = self.sudo().search(
            [("segment_type", "=", "dynamic"), ("company_id", "in", [*companies.ids, False])]
        )
        segments.filtered(lambda s: any(fname in (s.domain or "") for fname in ROW_FIELDS))._request_recompute()

    def _check_triggering_user(self):
        """A user who has the system's segments (no author: computed in sudo) computed --
        by recomputing or unarchiving them -- must be able to read their conditions: the
        members then tell what those conditions select (a purchase threshold...)."""
        self.filtered(
            lambda s: not s.sudo().author_id and s.segment_type == "dynamic"
        )._check_user_reads_conditions()

    def _check_user_reads_conditions(self):
        """The current user may read every field these segments' conditions read: what
        they select is shown to that user (members, counts)."""
        if self.env.su:
            return
        for segment in self:
            try:
                segment._check_conditions_readable(segment._parsed_domain(), segment._user_partner_env())
            except segment_domain.DomainError as exc:
                raise UserError(
                    self.env._(
                        "You may not have segment “%(name)s” computed: %(reason)s.", name=segment.name, reason=exc
                    )
                ) from None

    def _expected_size(self):
        """The number of members PostgreSQL's planner expects, without computing them
        (unknown when the conditions cannot be planned: the recompute records why)."""
        try:
            with self.env.cr.savepoint(flush=False):
                return membership.estimated_rows(self.env.cr, self._membership_selection())
        except (AccessError, UserError, ValueError, segment_domain.DomainError):
            return float("inf")

    def _request_recompute(self):
        """Have the scheduler recompute these segments now (its job is woken)."""
        if not self:
            return
        self.sudo().write({"recompute_requested_at": fields.Datetime.now()})
        self._wake_scheduler()

    @api.model
    def _wake_scheduler(self):
        """Have the scheduler's jobs run now: once per transaction while its wake-ups are
        pending, however many segments ask (a wake-up runs every due segment); with
        wake-ups of its own (one made by another transaction may belong to a run going on,
        whose end deletes it)."""
        woken = self.env.cr.postcommit.data.get(WOKEN)
        if woken and woken.exists() == woken:  # all still pending
            return
        self.env.cr.postcommit.data[WOKEN] = (
            self.env["ir.cron.trigger"]
            .sudo()
            .union(*(self.env.ref(xmlid).sudo()._trigger() for xmlid in SCHEDULER_CRONS))
        )

    def unlink(self):
        self._check_global_segment_author()
        return super().unlink()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        """A segment other segments' conditions, or mailings still to send, use is not
        deleted: they would select no one from it, silently (and the segments using it log
        every member as leaving, and run their actions). Archived, it keeps its members."""
        every = self.sudo().with_context(active_test=False)
        users = every.search([("depends_on_ids", "in", self.ids), ("id", "not in", self.ids)])
        mailings = every.env["mailing.mailing"].search([("segment_ids", "in", self.ids), ("state", "!=", "done")])
        if not (users or mailings):
            return
        names = [f"“{name}”" for name in users.with_env(self.env)._filtered_access("read").mapped("display_name")]
        names += [
            f"“{subject}”" for subject in mailings.with_env(self.env)._filtered_access("read").mapped("subject")
        ]
        raise UserError(
            self.env._(
                "%(segments)s cannot be deleted: the conditions of other segments, or mailings not "
                "sent yet, use it (%(users)s). Change them first, or archive it: it then keeps its "
                "members.",
                segments=", ".join(f"“{name}”" for name in self.mapped("display_name")),
                users=", ".join(names) or self.env._("some you may not read"),
            )
        )

    def _check_members_readable_in_company(self):
        """After a move to another company: every member and pin is one the user may read
        there, or the move is refused."""
        for segment in self:
            readable = in_company(self, segment.company_id)._readable_partners_sql()
            self.env.cr.execute(
                SQL(
                    """SELECT 1 FROM (SELECT partner_id FROM %s WHERE segment_id = %s
                                      UNION ALL SELECT partner_id FROM res_partner_segment_include
                                       WHERE segment_id = %s) m
                        WHERE m.partner_id NOT IN (%s) LIMIT 1""",
                    SQL.identifier(membership.MEMBER_TABLE),
                    segment.id,
                    segment.id,
                    readable,
                )
            )
            if self.env.cr.fetchone():
                raise UserError(
                    self.env._(
                        "Segment “%(name)s” holds partners that %(company)s may not see: remove them "
                        "before moving it.",
                        name=segment.name,
                        company=segment.company_id.name,
                    )
                )

    @api.model
    def _check_partners_readable(self, vals, company=None):
        """Members, pinned and excluded partners are only ever set to partners the user
        may read, in the segment's company when it has one (they flow into its exports,
        pushes and linked lists)."""
        if self.env.su:
            return
        commands = [c for fname in PARTNER_FIELDS for c in vals.get(fname) or () if isinstance(c, list | tuple)]
        if any(command[0] == fields.Command.CREATE for command in commands):
            # a partner made inside the segment's write is linked unchecked (its company
            # may be one the segment's company does not see)
            raise UserError(self.env._("Create the partner first, then add it to the segment."))
        ids = {id_ for fname in PARTNER_FIELDS for id_ in named_ids(vals.get(fname))}
        self._check_readable_in(self.env["res.partner"].browse(sorted(ids)), company)

    @api.model
    def _check_readable_in(self, partners, company=None):
        """``partners`` are ones the user may read, in ``company`` when given."""
        if self.env.su:
            return
        partners = partners.with_env(self.env)
        if company:
            partners = in_company(partners, company)
        partners.check_access("read")

    def _check_hand_members(self, partners):
        """``partners`` put into or taken out of these segments by hand (static members), as
        a write of the segments checks it: by a user who may read the segments, and change
        them when shared (a user of every company), of partners that user may read in each
        segment's company (a company's segment feeds that company's exports and lists)."""
        self.check_access("read")
        self._check_global_segment_author()
        for segment in self:
            self._check_readable_in(partners, segment.company_id)

    def _refresh_member_count(self):
        """Store the member count of these segments, counted in one grouped query."""
        if not self:
            return
        self.flush_recordset(["partner_ids"])
        counts = membership.count_members(self.env.cr, self.ids)
        for segment in self.sudo():
            if segment.member_count != counts[segment.id]:
                segment.member_count = counts[segment.id]

    def _members_edited(self):
        """Partners were added to or removed from these segments by hand (their counts
        already refreshed): the static ones say when, so that the segments using them
        become due (``_due_condition``; the scheduler is woken for them), and their linked
        mailing lists follow."""
        static = self.sudo().filtered(lambda s: s.segment_type == "static")
        static.members_edited_at = fields.Datetime.now()
        static._wake_segments_using()
        static._lists_follow()

    def _partners_archived(self):
        """Members of these segments were archived or unarchived: archived partners are not
        counted (``count_members``) nor pushed, so the counts and the linked lists follow."""
        segments = self.sudo().exists()
        segments._refresh_member_count()
        segments._lists_follow()

    def _lists_follow(self):
        """The mailing lists linked to these segments follow their members (``_sync_lists_soon``)."""
        for segment in self.sudo().filtered(lambda s: s.active and s.mailing_list_ids):
            segment._sync_lists_soon(segment.mailing_list_ids)

    def _sync_lists_soon(self, mailing_lists):
        """These mailing lists, linked to this segment, follow its members: synced now when
        the segments feeding them have at most ``recompute_on_save_limit`` members in all (a
        list's sync pushes each of them; as the recompute does, as the system), otherwise by
        the scheduler woken now (a dynamic segment is recomputed, a static one's request is
        a sync: ``_cron_recompute``)."""
        self.ensure_one()
        sources = (mailing_lists.sudo().segment_ids | self.sudo()).filtered("active")
        if sum(sources.mapped("member_count")) > self._recompute_on_save_limit() or not (
            self.sudo()._sync_linked_lists(mailing_lists)
        ):
            self._request_recompute()  # or tried again there (a list being filled by a push, say)

    def _wake_segments_using(self):
        """The members of these segments changed: the segments using them are due
        (``_due_condition``), and the scheduler is woken for them now rather than at its
        next hourly run (not from within its own run, which goes on with them)."""
        if not self:
            return
        crons = [self.env.ref(xmlid) for xmlid in SCHEDULER_CRONS]
        if self.env.context.get("cron_id") in [cron.id for cron in crons]:
            return
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM res_partner_segment_dependency d
                     JOIN res_partner_segment s ON s.id = d.segment_id
                    WHERE d.depends_on_id = ANY(%s) AND s.active AND s.segment_type = 'dynamic'
                    LIMIT 1""",
                self.ids,
            )
        )
        if self.env.cr.fetchone():
            self._wake_scheduler()

    # ------------------------------------------------------------------ recompute

    def _in_dependency_order(self):
        """These segments, each after the segments it uses: a depth-first walk with its own
        stack, so no chain (however it was stored) exhausts Python's recursion, and a cycle
        (refused on save) is cut where it closes."""
        uses = self._uses_among()
        ordered, done, open_ = [], set(), set()
        for root in self.ids:
            stack = [(root, False)]
            while stack:
                segment, uses_done = stack.pop()
                if uses_done:
                    open_.discard(segment)
                    done.add(segment)
                    ordered.append(segment)
                elif segment not in done and segment not in open_:
                    open_.add(segment)
                    stack.append((segment, True))
                    stack.extend((other, False) for other in reversed(uses[segment]))
        return self.browse(ordered)

    def _uses_among(self):
        """{segment id: ids of the segments among these it uses}, read in SQL: read through
        the ORM in sudo, the segments of every company would stay in the cache the user's
        own read of ``depends_on_ids`` shares (the answer to a save)."""
        self.flush_recordset(["depends_on_ids"])
        self.env.cr.execute(
            SQL(
                """SELECT segment_id, array_agg(depends_on_id ORDER BY depends_on_id)
                     FROM res_partner_segment_dependency
                    WHERE segment_id = ANY(%(ids)s) AND depends_on_id = ANY(%(ids)s)
                    GROUP BY segment_id""",
                ids=list(self.ids),
            )
        )
        return defaultdict(list, self.env.cr.fetchall())

    @api.model
    def _check_manager(self, message):
        """Refuse with ``message`` unless the user is a segmentation manager (or the
        superuser)."""
        if not (self.env.is_superuser() or self.env.user.has_group("partner_segmentation.group_segment_manager")):
            raise UserError(message)

    def action_recompute(self):
        """Recompute membership now: dynamic segments from their conditions (in dependency
        order); static ones only recount. Each segment in its own savepoint: one that fails
        records its error and the others go on. A segment being recomputed elsewhere (the
        scheduler) is refused with a message."""
        self.check_access("write")
        self._check_manager(self.env._("Only segmentation managers can recompute segments."))
        self._check_triggering_user()
        for segment in self.sudo()._in_dependency_order():
            if segment._recompute_one() is None:
                raise UserError(
                    self.env._(
                        "Segment “%s” is being recomputed right now (by the scheduler or another "
                        "user): its members will be current in a moment.",
                        segment.name,
                    )
                )

    def action_recompute_notify(self):
        """The form's *Recompute* button: ``action_recompute``, then what came of it (the
        members the user may read, or the error each failed segment recorded)."""
        self.action_recompute()
        self.invalidate_recordset()
        failed = self.filtered("last_error")
        lines = [
            self.env._("“%(name)s” failed: %(error)s", name=segment.name, error=segment.last_error)
            if segment in failed
            else self.env._(
                "“%(name)s” has %(count)s members you may read.",
                name=segment.name,
                count=segment.visible_member_count,
            )
            if segment.counts_partial
            else self.env._(
                "“%(name)s” has %(count)s members.", name=segment.name, count=segment.visible_member_count
            )
            for segment in self
        ]
        return notification(
            " ".join(lines),
            "danger" if failed else "success",
            "soft_reload",
            title=self.env._("Segment not recomputed") if failed else self.env._("Segment recomputed"),
            sticky=bool(failed),
        )

    def _take_for_scheduler(self):
        """Take this segment for this scheduler worker until its commit, never waiting: the
        recompute's advisory lock, tried (PostgreSQL's SKIP LOCKED for a lock that, unlike a
        row lock, keeps users and the lifecycle run free to write the segment meanwhile).
        False when another worker has it, has just computed it (no longer due), or holds one
        of the segments it uses (this one reads their members; that worker computes it next,
        same dependency order) or one that feeds a mailing list with it (the list's sync
        gathers every source and stamps them all: one worker at a time)."""
        self.ensure_one()
        cr = self.env.cr
        if not try_xact_lock(cr, RECOMPUTE_LOCK, self.id):
            return False
        cr.execute(
            SQL(
                "SELECT id FROM res_partner_segment s WHERE id = %s AND %s",
                self.id,
                self._due_condition(fields.Datetime.now()),
            )
        )
        if not cr.fetchone():
            return False
        segment = self.sudo()
        uses = (segment.depends_on_ids | segment.mailing_list_ids.segment_ids - segment).ids
        if uses:
            cr.execute(
                SQL(
                    """SELECT 1 FROM pg_locks
                        WHERE locktype = 'advisory' AND classid = %s AND objid = ANY(%s)
                          AND objsubid = 2 AND granted AND pid <> pg_backend_pid()
                          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())""",
                    RECOMPUTE_LOCK,
                    uses,
                )
            )
            if cr.fetchone():
                return False
        self.invalidate_recordset()  # what another worker committed meanwhile
        return True

    def _recompute_one(self):
        """Recompute this segment; True when done, False when it failed (the error is
        recorded on it), None when another transaction is recomputing it (skipped).

        Every step runs in one savepoint: a failure leaves the members as they were. A
        transient failure (serialization, deadlock) leaves ``last_computed_at`` alone, so
        the next scheduler run tries again."""
        self.ensure_one()
        if self.segment_type == "static":
            self._refresh_member_count()
            return True
        if not try_xact_lock(self.env.cr, RECOMPUTE_LOCK, self.id):
            return None
        self.env.flush_all()
        try:
            with self.env.cr.savepoint():
                self._recompute_members()
        except Exception as exc:  # noqa: BLE001 - recorded on the segment, others go on
            _logger.warning("Segment %s (%s) failed to recompute: %s", self.id, self.name, exc)
            self.env.invalidate_all()
            values = {"last_error": str(exc)}
            if getattr(exc, "pgcode", None) not in TRANSIENT_PGCODES:
                values["last_computed_at"] = fields.Datetime.now()
            self.write(values)
            return False
        return True

    def _recompute_members(self):
        start = time.perf_counter()
        cr = self.env.cr
        cr.execute("SELECT coalesce(max(id), 0) FROM res_partner_segment_event")
        last_event_id = cr.fetchone()[0]
        if self.author_id:  # rights may have changed since the conditions were written
            self._check_conditions_readable(self._parsed_domain(), self._partner_env())
        missing = set()
        self._referenced_segments(missing)
        if missing:  # deleted before a used segment's deletion was refused
            raise UserError(
                self.env._(
                    "Segment “%(name)s” uses segments that no longer exist (ids %(ids)s): remove "
                    "them from its conditions.",
                    name=self.name,
                    ids=", ".join(map(str, sorted(missing))),
                )
            )
        if self._chain_lengths(above=False)[0] is None:  # saved before such a use was refused on save
            raise UserError(
                self.env._(
                    "Segment “%s” uses itself, directly or through other segments: remove that "
                    "segment condition.",
                    self.name,
                )
            )
        with local_settings(cr, **self._recompute_settings()):
            added, removed, count = membership.replace_members(
                cr, self.id, self._membership_selection(), log_events=self._was_built(), uid=self.env.uid
            )
        # segments of segments and searches by segment plan from fresh statistics
        analyze_if_large(cr, membership.MEMBER_TABLE, added + removed)
        self.env["res.partner"].invalidate_model(["segment_ids"])
        self.invalidate_recordset(["partner_ids"])
        duration = time.perf_counter() - start
        now = fields.Datetime.now()
        self.write(
            {
                "member_count": count,
                "last_computed_at": now,
                "last_duration": duration,
                "last_error": False,
            }
        )
        self.env["res.partner.segment.history"].create(
            {
                "segment_id": self.id,
                "computed_at": now,
                "member_count": count,
                "added_count": added,
                "removed_count": removed,
                "duration": duration,
            }
        )
        self.env.flush_all()
        if added or removed:
            self._wake_segments_using()
        self._sync_linked_lists()
        self._run_automations(last_event_id)

    def _was_built(self):
        """Whether this segment has members or was built before, even empty: who joins it
        then is logged and given its join action; on a first build everyone joins."""
        return bool(self.member_count) or bool(
            self.env["res.partner.segment.history"].sudo().search_count([("segment_id", "=", self.id)], limit=1)
        )

    def _run_automations(self, after_event_id, batch_size=1000):
        """Run the join/leave server actions on this recompute's entries and exits, in
        batches; a failing action is recorded on the segment."""
        self.ensure_one()
        for kind, action in (("joined", self.on_join_action_id), ("left", self.on_leave_action_id)):
            if not action:
                continue
            last_partner = 0
            while True:
                self.env.cr.execute(
                    SQL(
                        """SELECT partner_id FROM res_partner_segment_event
                        WHERE segment_id = %s AND kind = %s AND id > %s AND partner_id > %s
                        ORDER BY partner_id LIMIT %s""",
                        self.id,
                        kind,
                        after_event_id,
                        last_partner,
                        batch_size,
                    )
                )
                partner_ids = [row[0] for row in self.env.cr.fetchall()]
                if not partner_ids:
                    break
                last_partner = partner_ids[-1]
                try:
                    with self.env.cr.savepoint():
                        action.with_user(self._automation_user()).with_context(
                            active_model="res.partner", active_ids=partner_ids, active_id=partner_ids[0]
                        ).run()
                except Exception as exc:  # noqa: BLE001 - recorded on the segment
                    self.last_error = self.env._(
                        "Action “%(action)s” failed: %(error)s", action=action.name, error=exc
                    )
                    break

    def _automation_user(self):
        """Join/leave actions never run as the superuser: as the administrator who chose
        them, not as whoever wrote the conditions since (a manager: an administrators-only
        action would fail); the system's choices as the administrator."""
        return self.actions_user_id or self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user

    @api.constrains("on_join_action_id", "on_leave_action_id")
    def _check_automation_model(self):
        for segment in self:
            actions = segment.on_join_action_id | segment.on_leave_action_id
            if actions.filtered(lambda a: a.model_id.model != "res.partner"):
                raise ValidationError(
                    self.env._("The actions of segment “%s” must be server actions on contacts.", segment.name)
                )

    def _sync_linked_lists(self, mailing_lists=None):
        """Sync the linked mailing lists (or ``mailing_lists`` of them). Each list gathers
        every segment linked to it, so two segments feeding one list never remove each
        other's subscribers. A failing list records its error on the segment; the recompute
        itself is kept. True when every list was synced."""
        if self.segment_type == "static" and self.last_error:  # a static segment's errors are its syncs'
            self.last_error = False
        synced = True
        for mailing_list in self.mailing_list_ids if mailing_lists is None else mailing_lists:
            try:
                with self.env.cr.savepoint():
                    sources = mailing_list.segment_ids.filtered("active")
                    sources._push_to_list(mailing_list.sudo(), "sync")
            except Exception as exc:  # noqa: BLE001 - recorded on the segment
                _logger.warning("Segment %s: syncing list %s failed: %s", self.id, mailing_list.id, exc)
                self.env.invalidate_all()
                self.last_error = self.env._(
                    "Syncing mailing list “%(list)s” failed: %(error)s", list=mailing_list.name, error=exc
                )
                synced = False
        return synced

    def _push_to_list(self, mailing_list, mode, channel="email"):
        """Members of these segments into ``mailing_list`` (``add`` or ``sync``), set-based,
        after checking the user may change that list. A user pushes only the members that
        user may read, and a sync removes only what these segments' pushes added; one push
        into a list at a time. ``channel``: ``email`` subscribes their email addresses,
        ``sms`` their phone numbers (as the contacts' mobile)."""
        mailing_list.check_access("write")
        for model in ("mailing.contact", "mailing.subscription"):
            self.env[model].with_env(mailing_list.env).check_access("create")
        if mode == "sync":
            self.env["mailing.subscription"].with_env(mailing_list.env).check_access("unlink")
            shared = self.filtered("counts_partial")
            if shared:
                # a sync keeps what the user reads of the members: it would remove the
                # subscriptions of the others, which that user never sees (added by an
                # earlier push or sync of the segment by a user of every company). Refused
                # whether or not other companies' partners are members now: the refusal tells
                # nothing of them.
                raise UserError(
                    self.env._(
                        "Segment “%s” is shared with every company and you work in some of them: "
                        "a sync would remove the members you may not read from the list. Use "
                        "“Add only”, or ask a user of every company.",
                        shared[0].name,
                    )
                )
            if hiding := self._hiding_members():  # the shared ones are refused above
                raise UserError(
                    self.env._(
                        "Segment “%s” has members you may not read (its count says how many it "
                        "has): a sync would remove them from the list. Use “Add only”, or ask a "
                        "user who reads them all.",
                        hiding[0].name,
                    )
                )
        if not try_xact_lock(self.env.cr, LIST_LOCK, mailing_list.id):
            raise UserError(
                self.env._(
                    "Mailing list “%s” is being filled by another push or sync "
                    "right now: try again in a moment.",
                    mailing_list.name,
                )
            )
        self.env.flush_all()
        figures = mailing.sync_segments_to_list(
            self.env.cr,
            self.ids,
            mailing_list.id,
            mode,
            self.env.uid,
            self._members_shown_condition(),
            channel=mailing.CHANNELS[channel],
        )
        for model in ("mailing.contact", "mailing.subscription", "mailing.list"):
            self.env[model].invalidate_model()
        self.sudo().last_mailing_at = fields.Datetime.now()
        return figures

    @api.model
    def _readable_partners_condition(self, alias):
        """The current user's read rules on partners as a condition on the partner table
        aliased ``alias`` (None for the superuser): what ``_readable_partners_sql`` selects,
        without reading the partner table a second time (an export of 180,000 members at
        a million partners: 0.22 s instead of 0.50 s for the filter)."""
        if self.env.su:
            return None
        Partner = self.env["res.partner"]
        Partner.browse().check_access("read")
        domain = self.env["ir.rule"]._compute_domain(Partner._name, "read")
        if not domain:
            return SQL("TRUE")
        query = Query(self.env, alias, SQL.identifier(Partner._table))
        expression.expression(domain, Partner.sudo(), alias, query)
        if query._joins:  # a rule that needs a join: as a subquery
            return SQL("%s IN (%s)", SQL.identifier(alias, "id"), self._readable_partners_sql())
        return query.where_clause

    def _hiding_members(self):
        """These segments whose members the current user may not all read, which that user
        may therefore not sync: shared ones, for a user of some companies (whatever their
        members now: the refusal tells nothing of them), and those whose stored count, which
        that user reads, is above the members that user reads (a company's static segment
        keeps a partner moved to another company, say)."""
        if self.env.su:
            return self.browse()
        readable = membership.count_members(self.env.cr, self._origin.ids, self._readable_partners_sql())
        return self.filtered(lambda s: s.counts_partial or readable[s._origin.id] < s._origin.member_count)

    def _members_shown_condition(self):
        """SQL condition on a member ``m`` of one of these segments ``s``: the members a push
        sends. A user's push sends the members that user may read; the system's (the sync of
        the lists linked to segments) those each segment's company may see: a company's
        static segment, or a pin, may keep a partner since moved to another company, whose
        address must not reach the lists of the company it left. A dynamic segment's other
        members are those its conditions matched in its company's view at its last
        recompute: they are not looked up again (at 1M partners, the lookup and the plans
        PostgreSQL makes around it doubled an unchanged re-sync). None: every member."""
        readable = self._readable_partners_sql()
        if readable is not None:
            return SQL("m.partner_id IN (%s)", readable)
        kept = self.sudo().filtered(
            lambda s: s.company_id and (s.segment_type == "static" or s.include_partner_ids)
        )
        if not kept:
            return None
        seen_in = SQL(" OR ").join(
            SQL("(s.company_id = %s AND m.partner_id IN (%s))", company.id, self._company_partners_sql(company))
            for company in kept.company_id
        )
        return SQL("(s.id <> ALL(%s) OR %s)", kept.ids, seen_in)

    @api.model
    def _company_partners_sql(self, company):
        """SQL selecting the partners any user of ``company`` may see (its global record
        rules), archived ones included."""
        return self._company_view_partners(company).with_context(active_test=False)._search([]).subselect()

    @api.model
    def _readable_partners_sql(self):
        """SQL selecting the partners the current user may read (None for the superuser):
        Odoo's own query for the user's record rules, archived partners included."""
        if self.env.su:
            return None
        return self.env["res.partner"].with_context(active_test=False)._search([]).subselect()

    @api.constrains("mailing_list_ids")
    def _check_mailing_lists_writable(self):
        """Linking a list means it will be changed by every recompute: the user must be
        allowed to change it."""
        for segment in self.filtered("mailing_list_ids"):
            segment.mailing_list_ids.check_access("write")

    def action_open_mailing_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Push to a mailing list"),
            "res_model": "res.partner.segment.mailing.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def _export_action(self, kind):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "target": "download",
            "url": f"/partner_segmentation/segment/{self.id}/export/{kind}",
        }

    def action_export_members(self):
        return self._export_action("members")

    def action_export_audience(self):
        """Normalized, SHA-256 hashed emails, phones and names in the customer-list layout
        of ad platforms (Google Customer Match, Meta)."""
        return self._export_action("audience")

    def _mailing_sender(self):
        sender = self.env.user.email_formatted or self.env.company.email_formatted
        if not sender:
            raise UserError(
                self.env._("Set an email address on your user or your company: mailings are sent from it.")
            )
        return sender

    def action_send_mailing(self):
        """A new mailing on contacts whose recipients are this segment's members
        (``segment_ids``), read at sending time (nothing is copied). Opened unsaved: backing
        out leaves no draft."""
        return self._new_mailing_action("mail")

    def action_send_sms(self):
        """A new SMS mailing on this segment's members, as ``action_send_mailing``: members
        without a mobile or phone are skipped when it is sent (Odoo's SMS composer records
        them as "missing number"), phone-blacklisted numbers are never texted."""
        return self._new_mailing_action("sms")

    def _new_mailing_action(self, mailing_type):
        self.ensure_one()
        context = {
            "default_subject": self.name,
            "default_mailing_type": mailing_type,
            "default_mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            "default_segment_ids": [(6, 0, self.ids)],
            "partner_segmentation_segment_id": self.id,
        }
        if mailing_type == "mail":
            context["default_email_from"] = self._mailing_sender()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.mailing",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": context,
        }

    @api.model
    def _cron_recompute(self):
        """Recompute the dynamic segments that are due, each after the ones it uses.

        Commits after each segment (not under tests) and reports progress, so that an
        interrupted run loses at most one segment and the next run picks up the rest.
        Several workers run it at once (``SCHEDULER_CRONS``, on one or several Odoo
        servers sharing the database): each takes the segments no other worker has.
        """
        Cron = self.env["ir.cron"]
        tried = self.browse()
        # again while recomputes make segments that use them due (a stage segment moved by
        # the lifecycle run, then the segments naming it); each segment once per run
        while due := self._due_for_scheduler() - tried:
            for done, segment in enumerate(due, start=1):
                if segment._take_for_scheduler():
                    segment._recompute_one()  # records its own error; None: skipped, being computed
                commit_if_allowed(self.env)
                Cron._notify_progress(done=done, remaining=len(due) - done)
            tried |= due
        # static segments lose members when partners are deleted or merged: recount them
        # (one worker at a time: the others would wait on the same rows)
        # and sync the lists of those whose members were edited by hand, when too large to
        # sync at once (``_sync_lists_soon``)
        if try_xact_lock(self.env.cr, RECOMPUTE_LOCK, 0):
            static = self.sudo().search([("segment_type", "=", "static")])
            static._refresh_member_count()
            for segment in static.filtered("recompute_requested_at"):
                if not segment.active or segment._sync_linked_lists():
                    segment.recompute_requested_at = False
                # else still pending (a list being filled by a push, say): tried again next run
                commit_if_allowed(self.env)

    @api.model
    def _due_for_scheduler(self):
        """The dynamic segments the scheduler recomputes now, in dependency order: those
        whose time has come, those behind a segment they use, and the due ones they use."""
        self.env.flush_all()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL("SELECT id FROM res_partner_segment s WHERE active AND %s", self._due_condition(now))
        )
        due = self.sudo().browse(row[0] for row in self.env.cr.fetchall())
        return (
            due
            | due.depends_on_ids.filtered(
                lambda s: s.active
                and s.segment_type == "dynamic"
                and (not s.next_recompute_at or s.next_recompute_at <= now)
            )
        )._in_dependency_order()

    @api.model
    def _due_condition(self, now):
        """SQL condition on segment ``s``: a dynamic segment the scheduler recomputes at
        ``now``. Its time has come, or a segment it uses gained or lost members since its own
        last computation, whatever its interval: a recompute moved them (a lifecycle run
        moved a stage segment it names, say; read from that segment's history) or they were
        edited by hand (a static segment's ``members_edited_at``). Nothing is written on
        ``s``, which another worker may be computing. A change during that computation, or
        in its last second (times are kept to the second), counts too: at worst one more
        recompute rather than a segment of segments left stale for a day."""
        return SQL(
            """s.segment_type = 'dynamic' AND (
                   s.next_recompute_at IS NULL OR s.next_recompute_at <= %(now)s
                   OR s.last_computed_at IS NOT NULL AND EXISTS (
                       SELECT 1 FROM res_partner_segment_dependency d
                         JOIN res_partner_segment u ON u.id = d.depends_on_id
                        WHERE d.segment_id = s.id AND (
                              u.members_edited_at >= %(started)s
                              OR EXISTS (SELECT 1 FROM res_partner_segment_history h
                                          WHERE h.segment_id = u.id AND h.computed_at >= %(started)s
                                            AND h.added_count + h.removed_count > 0))))""",
            now=now,
            # a change committed while ``s`` was computed may be missing from it (times are
            # cut to the second, and the computation's snapshot starts a little before it)
            started=SQL("s.last_computed_at - make_interval(secs => ceil(coalesce(s.last_duration, 0)) + 1)"),
        )

    # ------------------------------------------------------------------ actions

    def action_fill_from_domain(self):
        """Static segments: add once every partner the conditions select now, among those
        the user may read (hand-made members are only ever partners the user may read)."""
        self.check_access("write")
        self._check_global_segment_author()
        readable = self._readable_partners_sql()
        added = {}
        for segment in self:
            if segment.segment_type != "static":
                raise UserError(
                    self.env._(
                        "Only static segments are filled once from their "
                        "conditions; dynamic ones follow them by themselves."
                    )
                )
            if not segment._parsed_domain():
                raise UserError(
                    self.env._(
                        "“%s” has no conditions: it would add every partner. Write the conditions "
                        "of the partners to add first.",
                        segment.name,
                    )
                )
            segment._check_user_reads_conditions()  # whoever wrote them: the user sees what they select
            self.env.flush_all()
            selection = segment._domain_query()
            if readable is not None:
                selection = SQL("SELECT d.id FROM (%s) d WHERE d.id IN (%s)", selection, readable)
            added[segment] = membership.add_members(self.env.cr, segment.id, selection)
        self.invalidate_recordset(["partner_ids"])
        self.env["res.partner"].invalidate_model(["segment_ids"])
        self._refresh_member_count()
        self.filtered(lambda s: added[s])._members_edited()
        message = " ".join(
            self.env._(
                "Partners added to “%(segment)s”: %(changed)s. Members now: %(members)s.",
                segment=segment.name,
                changed=count,
                members=segment.visible_member_count,
            )
            for segment, count in added.items()
        )
        return notification(message, then="soft_reload")

    def action_freeze(self):
        """A static segment holding the current members, named with today's date as the
        user's language writes it ("VIP — 11/26/2026" in English (US)): a campaign list that
        does not change under the marketer's feet (HubSpot's snapshot list). Copied inside
        PostgreSQL, members the user may not read left out as for any hand-made member;
        returns the new segment's form."""
        self.ensure_one()
        self.check_access("read")
        problem = None
        if self.last_error:
            problem = self.env._("its last recompute failed (%s): fix it and recompute first", self.last_error)
        elif self.recompute_requested_at:
            problem = self.env._("a recompute is pending: freeze it once its members are current")
        elif not self.visible_member_count:
            problem = self.env._("it has no members")
        if problem:
            raise UserError(
                self.env._("Segment “%(name)s” cannot be frozen: %(why)s.", name=self.name, why=problem)
            )
        today = format_date(self.env, fields.Date.context_today(self))
        company, source = self.company_id, self
        if not company and not self.env.su and not self._is_user_of_every_company():
            # a user of some companies may not make a shared segment: the copy is one of the
            # company the user works in, holding the members readable there
            company = self.env.company
            source = in_company(self, company)
        # removing keys needs a whole context, not kwargs
        frozen = source.with_context(without_defaults(source.env.context)).create(  # pylint: disable=context-overridden
            {
                "name": f"{self.name} — {today}",
                "segment_type": "static",
                "company_id": company.id,
                "description": self.env._("Members of “%(name)s” on %(day)s.", name=self.name, day=today),
            }
        )
        self.env.flush_all()
        members = membership.members_of(self.id, source._readable_partners_sql())
        membership.add_members(self.env.cr, frozen.id, members)
        frozen.invalidate_recordset(["partner_ids"])
        frozen._refresh_member_count()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": frozen.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_count_matches(self):
        """The live count of a saved segment's conditions, on demand (the form counts only
        while conditions are edited)."""
        self.ensure_one()
        edited = self.new(origin=self)
        count = edited.domain_match_count
        if edited.domain_match_error:
            message, kind = edited.domain_match_error, "warning"
        elif self.counts_partial:
            message, kind = self.env._("%s partners you may read match these conditions now.", count), "info"
        else:
            message, kind = self.env._("%s partners match these conditions now.", count), "info"
        return notification(message, kind, title=self.name)

    def action_view_members(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("contacts.action_contacts")
        title = self.env._("Members of %s", self.name)
        action.update(
            {
                "name": title,
                "display_name": title,  # the breadcrumb's
                "domain": [("segment_ids", "in", self.ids)],
                "context": {"default_static_segment_ids": self.ids, "default_segment_id": self.id}
                if self.segment_type == "static"
                else {},
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
            }
        )
        return action
