import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import lifecycle
from ..engine.batch import commit_if_allowed, may_commit, run_lock
from .base import notification
from .res_partner import STAGE_READERS

# who reads a company's lifecycle settings and last run (how its customers' stages are set):
# those who read stages, and the administrators of the Settings page; not a portal customer
SETTINGS_READERS = f"{STAGE_READERS},base.group_system"

_logger = logging.getLogger(__name__)

# The advisory lock key of a company's lifecycle run (with the company id); the segments'
# recompute and list locks are 0x5E6D and 0x5E6E.
LIFECYCLE_LOCK = 0x5E6F
DEFAULT_LIFECYCLE_BATCH_SIZE = 200_000  # partner ids per committed range of a full run


class LifecycleRunning(UserError):
    """Another run (the scheduler, a user, another server) is computing this company's
    lifecycle: it would do the same work at the same time and the two would wait on each
    other's rows. ``companies``: those left to it (the others asked for were computed)."""

    def __init__(self, message, companies):
        super().__init__(message)
        self.companies = companies


def lifecycle_settings_fields():
    """The company's lifecycle settings as fields of a settings form on ``company_id``
    (Odoo's Settings page, the managers' settings dialog): one truth, the company's. Read as
    the user (a related field reads as the superuser): a form's ``onchange`` to another
    company would otherwise show that company's settings and measured cycle to anyone."""
    return {
        **{
            fname: type(getattr(ResCompany, fname))(
                related=f"company_id.{fname}", readonly=False, compute_sudo=False, groups=SETTINGS_READERS
            )
            for fname in ResCompany._LIFECYCLE_SETTINGS
        },
        "lifecycle_cycle_measured": fields.Boolean(
            related="company_id.lifecycle_cycle_measured", compute_sudo=False, groups=SETTINGS_READERS
        ),
        "lifecycle_last_run": fields.Datetime(
            related="company_id.lifecycle_last_run", compute_sudo=False, groups=SETTINGS_READERS
        ),
    }


class ResCompany(models.Model):
    _inherit = "res.company"

    lifecycle_cycle_mode = fields.Selection(
        [
            ("interval", "Time between purchases"),
            ("deal", "Time from quotation to order"),
            ("fixed", "Fixed number of days"),
        ],
        string="Purchase cycle",
        default="interval",
        help="How the average purchase cycle X is measured. Time between purchases: the mean "
        "number of days between two consecutive purchases of the same customer. Time from "
        "quotation to order: the mean number of days from a quotation's creation to its "
        "confirmation. Fixed: the number of days you set.",
        groups=SETTINGS_READERS,
    )
    lifecycle_cycle_days = fields.Integer(
        "Purchase cycle (days)",
        default=30,
        help="The purchase cycle X in use: measured at each recompute, or yours in Fixed mode.",
        groups=SETTINGS_READERS,
    )
    lifecycle_default_cycle_days = fields.Integer(
        "Default cycle (days)",
        default=30,
        help="Used when there is too little data to measure the cycle: fewer than 10 gaps "
        "between purchases, or fewer than 10 confirmed orders.",
        groups=SETTINGS_READERS,
    )
    lifecycle_cycle_measured = fields.Boolean(
        "Cycle measured",
        readonly=True,
        help="Whether the last recompute measured the cycle or fell back to the default.",
        groups=SETTINGS_READERS,
    )
    lifecycle_new_factor = fields.Float(
        "New / active within (× cycle)",
        default=1.0,
        help="A customer whose last purchase is at most this many cycles old is new or active.",
        groups=SETTINGS_READERS,
    )
    lifecycle_churn_factor = fields.Float(
        "Churn risk within (× cycle)",
        default=2.0,
        help="Repeat customers beyond the active window but within this many cycles: active, churn risk.",
        groups=SETTINGS_READERS,
    )
    lifecycle_dormant_factor = fields.Float(
        "Churned within (× cycle)",
        default=4.0,
        help="Repeat customers beyond churn risk but within this many cycles: churn; beyond: dormant.",
        groups=SETTINGS_READERS,
    )
    lifecycle_active_count = fields.Integer(
        "Purchases to be a repeat customer",
        default=2,
        help="From this many purchases on, a customer is active, churn risk, churn or dormant; "
        "below, new or one-time.",
        groups=SETTINGS_READERS,
    )
    lifecycle_last_run = fields.Datetime("Lifecycle computed", readonly=True, groups=SETTINGS_READERS)
    lifecycle_last_date = fields.Date(
        "Lifecycle computed for",
        readonly=True,
        groups=SETTINGS_READERS,
        help="The day of the last complete run; the next daily run recomputes from orders only "
        "the customers that changed since. Empty: the next run recomputes everyone.",
    )
    # the stage rules and RFM thresholds the last run applied: the next daily run looks only
    # at rows they and today's can disagree on (the thresholds tell about amounts: admins)
    lifecycle_applied = fields.Json(readonly=True, groups="base.group_system")

    # No column added to res_company is NOT NULL: a module unaware of this one (a
    # localization, another module's tests) inserts companies without them. A missing value
    # reads as the field's default.
    _LIFECYCLE_SETTINGS = (
        "lifecycle_cycle_mode",
        "lifecycle_cycle_days",
        "lifecycle_default_cycle_days",
        "lifecycle_new_factor",
        "lifecycle_churn_factor",
        "lifecycle_dormant_factor",
        "lifecycle_active_count",
    )

    def _lifecycle_setting(self, fname):
        self.ensure_one()
        return self[fname] or self._fields[fname].default(self)

    def _lifecycle_missing_settings(self):
        """{setting: its default} for the settings this company's row lacks (NULL reads as
        False, 0 or 0.0, none of which is a valid setting)."""
        self.ensure_one()
        return {fname: self._lifecycle_setting(fname) for fname in self._LIFECYCLE_SETTINGS if not self[fname]}

    @api.constrains(*_LIFECYCLE_SETTINGS[1:])  # every setting but the mode
    def _check_lifecycle_settings(self):
        for company in self.sudo():  # whoever creates a company, as Odoo's own companies page
            if company.lifecycle_cycle_days < 1 or company.lifecycle_default_cycle_days < 1:
                raise ValidationError(self.env._("The purchase cycle is at least one day."))
            if not (
                0
                < company.lifecycle_new_factor
                < company.lifecycle_churn_factor
                < company.lifecycle_dormant_factor
            ):
                raise ValidationError(
                    self.env._(
                        "The lifecycle windows must grow: new/active < churn risk < churned "
                        "(default 1, 2, 4 cycles)."
                    )
                )
            if company.lifecycle_active_count < 2:
                raise ValidationError(self.env._("A repeat customer has at least 2 purchases."))

    def _lifecycle_cycle(self, changed_only=False):
        """The purchase cycle X (whole days, at least 1) and whether it was measured, once
        the run collected the customers' purchases (``changed_only``: a daily run's)."""
        self.ensure_one()
        mode = self._lifecycle_setting("lifecycle_cycle_mode")
        if mode == "fixed":
            return max(1, self._lifecycle_setting("lifecycle_cycle_days")), True
        mean, size = lifecycle.purchase_cycle(self.env.cr, self.id, mode, changed_only)
        enough = lifecycle.MIN_GAPS if mode == "interval" else lifecycle.MIN_ORDERS
        if mean is None or size < enough:
            return max(1, self._lifecycle_setting("lifecycle_default_cycle_days")), False
        return max(1, int(mean + 0.5)), True  # half up: 3.5 days is 4

    def action_recompute_lifecycle(self, full=False):
        """Recompute stages, purchase metrics and history of these companies, set-based.

        The daily run (after a complete run of an earlier or the same day, unless ``full``):
        only the customers whose orders or opportunities changed since (queued as they
        change) or whose 12-month figure lost a purchase are aggregated from their orders;
        every other row is brought up to date from what it holds (time passed, the cycle or
        a setting changed), in one transaction: an interrupted run leaves nothing and the
        next one does it all.

        A full run: every customer's purchases are aggregated once (the purchase cycle and
        the RFM thresholds are counted from them), then joined to their interest into a work
        table in one pass, then partners are written by id range, each range committed (outside tests)
        with its progress reported to the cron; an interrupted run loses at most one range
        and the next run, a full one, completes it (rows already right are left alone). The
        range is system parameter ``partner_segmentation.lifecycle_batch_size``: not an
        argument, which any manager could set to one id, a commit each.
        """
        self.env["res.partner.segment"]._check_manager(
            self.env._("Only segmentation managers can recompute the lifecycle.")
        )
        self.check_access("read")
        batch_size = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("partner_segmentation.lifecycle_batch_size", str(DEFAULT_LIFECYCLE_BATCH_SIZE))
        )
        batch_size = int(batch_size) if batch_size.strip().isdigit() else 0
        if batch_size < 1:
            raise UserError(
                self.env._(
                    "A full run writes partners in ranges of at least 1 id: set system parameter "
                    "partner_segmentation.lifecycle_batch_size to 1 or more."
                )
            )
        Cron = self.env["ir.cron"]

        def after_batch(done, remaining):
            commit_if_allowed(self.env)
            Cron._notify_progress(done=done, remaining=remaining)

        running = self.browse()
        for company in self.sudo().union():  # each company once, however often named
            with run_lock(self.env, LIFECYCLE_LOCK, company.id) as held:
                if held:
                    company._recompute_lifecycle_now(company._lifecycle_today(), full, batch_size, after_batch)
                else:
                    running |= company
        self.env["res.partner.segment"]._follow_lifecycle(self - running)
        for model in (
            "res.partner.lifecycle",
            "res.partner.lifecycle.snapshot",
            "res.partner.lifecycle.transition",
            "res.partner",
        ):
            self.env[model].invalidate_model()
        if running:
            raise LifecycleRunning(
                self.env._(
                    "The lifecycle of %s is being recomputed right now (by the scheduler, another user or "
                    "another server): its figures will be current when that run ends.",
                    ", ".join(running.mapped("name")),
                ),
                running,
            )

    def _lifecycle_today(self):
        """The day a run of this company computes, in the company's time zone, not the
        caller's: every run of the company (the scheduler's, each manager's) counts the same
        days, and nobody dates its stage changes ahead."""
        return fields.Date.context_today(self.with_context(tz=self._lifecycle_tz()))

    def _lifecycle_tz(self):
        """The company's time zone (its partner's, else UTC), in which its orders are dated
        and its days counted."""
        return self.sudo().partner_id.tz or "UTC"

    def action_recompute_lifecycle_notify(self, saved=False):
        """``action_recompute_lifecycle``, for a button: the user is told which companies
        are done (the view reloads to show them) and which another run is computing: a
        warning that stays until closed. ``saved``: the settings of the one company on
        screen were saved first (either way); a settings page reloads whole, which would
        take a warning off the screen at once."""
        if not self:
            raise UserError(self.env._("Choose the companies whose lifecycle to recompute."))
        running, messages = self.browse(), []
        try:
            self.action_recompute_lifecycle()
        except LifecycleRunning as busy:
            running, messages = busy.companies, [str(busy)]
        if done := self.union() - running:
            names = ", ".join(done.mapped("name"))
            messages.insert(
                0,
                self.env._("Settings saved; stages and purchase figures of %s are up to date.", names)
                if saved
                else self.env._("Stages and purchase figures of %s are up to date.", names),
            )
        if not running:
            title = self.env._("Lifecycle recomputed")
        elif saved:
            title = self.env._("Settings saved")
        else:
            title = self.env._("Lifecycle recomputed in part") if done else self.env._("Lifecycle not recomputed")
        # the settings page then shows the new "last computed", a list the new stages
        then = ("reload" if saved else "soft_reload") if done else None
        kind = "warning" if running else "success"
        return notification(" ".join(messages), kind, then, title=title, sticky=bool(running))

    def _recompute_lifecycle_now(self, today, full, batch_size, after_batch):
        """One company's run, under its lock (``action_recompute_lifecycle``)."""
        self.ensure_one()
        cr = self.env.cr
        since = self.lifecycle_last_date
        tz = self._lifecycle_tz()
        # the stored figures date orders in the time zone of the run that wrote them: after
        # a change of the company's, a full run dates them all again
        same_tz = (self.lifecycle_applied or {}).get("tz", "UTC") == tz
        changed_only = bool(not full and self.lifecycle_last_run and since and since <= today and same_tz)
        self.env.flush_all()  # the orders and queue entries written so far, read in SQL
        if changed_only:
            lifecycle.collect_changed(cr, self.id, today, since, tz)
        else:
            lifecycle.collect_purchases(cr, self.id, today, tz)
        cycle, measured = self._lifecycle_cycle(changed_only)
        self.write(
            {
                **self._lifecycle_missing_settings(),
                "lifecycle_cycle_days": cycle,
                "lifecycle_cycle_measured": measured,
                # a full run committed by ranges and interrupted is finished by a full run
                "lifecycle_last_date": since if changed_only else False,
            }
        )
        self.env.flush_all()
        counts = lifecycle.recompute_company(
            cr,
            self.id,
            today,
            cycle,
            factors=tuple(
                self._lifecycle_setting(f"lifecycle_{name}_factor") for name in ("new", "churn", "dormant")
            ),
            active_count=self._lifecycle_setting("lifecycle_active_count"),
            uid=self.env.uid,
            batch_size=batch_size,
            after_batch=after_batch,
            first_run=not self.lifecycle_last_run,
            changed_only=changed_only,
            since=since,
            applied=self.lifecycle_applied,
        )
        self.write(
            {
                "lifecycle_last_run": fields.Datetime.now(),
                "lifecycle_last_date": today,
                "lifecycle_applied": {**counts["applied"], "tz": tz},
            }
        )
        commit_if_allowed(self.env)

    @api.model
    def _cron_recompute_lifecycle(self):
        """Daily: every company, one after the other; a failing company is logged and the
        others go on; one that another run is computing (a user's, another server's) is
        left to it."""
        # a few companies: all of them
        for company in self.search([]):  # pylint: disable=no-search-all
            try:
                if may_commit(self.env):  # it commits per batch: no savepoint can span it
                    company.action_recompute_lifecycle()
                else:
                    with self.env.cr.savepoint():
                        company.action_recompute_lifecycle()
            except LifecycleRunning:
                _logger.info("Lifecycle of company %s left to the run computing it", company.name)
            except Exception:
                if may_commit(self.env):
                    self.env.cr.rollback()
                _logger.exception("Lifecycle recompute failed for company %s", company.name)
