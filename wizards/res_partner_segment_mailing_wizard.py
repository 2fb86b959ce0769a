from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import mailing
from ..models.res_partner_segment import MAX_HOLDOUT_PERCENT


class ResPartnerSegmentMailingWizard(models.TransientModel):
    """Push the members of segments into a mailing list: shows what will happen, does it,
    then shows what happened."""

    _name = "res.partner.segment.mailing.wizard"
    _description = "Push segments into a mailing list"
    _inherit = ["partner.segmentation.selection.mixin"]
    _selection_model = "res.partner.segment"
    _selection_field = "segment_ids"

    segment_ids = fields.Many2many("res.partner.segment", string="Segments", required=True)
    mailing_list_id = fields.Many2one("mailing.list", string="Mailing list")
    new_list_name = fields.Char("New list name", help="Create a new list with this name.")
    channel = fields.Selection(
        [("email", "Email"), ("sms", "SMS")],
        required=True,
        default="email",
        help="Email subscribes the members' email addresses; SMS their mobile (or phone) "
        "numbers, for SMS mailings on the list. Blacklisted addresses and numbers are skipped.",
    )
    mode = fields.Selection(
        [("add", "Add only"), ("sync", "Sync (also remove those that left)")],
        required=True,
        default="add",
        help="Sync removes only the subscriptions that pushes of these segments created; "
        "contacts added by hand or by import, those other segments' pushes added, and "
        "opt-outs, always stay.",
    )
    holdout_percent = fields.Integer(
        "Holdout (%)",
        compute="_compute_holdout_percent",
        store=True,
        readonly=False,
        help="Share of the members kept out of the list as a control group (0 to 50): the "
        "same partners at every push of the segment, and a later sync never subscribes them. "
        "Kept on the segments, so their linked lists follow it too.",
    )
    holdout_mixed = fields.Boolean(
        compute="_compute_holdout_mixed",
        help="The segments hold out different shares: each keeps its own, so that each control "
        "group stays the same partners. Push them one by one to change a share.",
    )
    state = fields.Selection([("draft", "Preview"), ("done", "Done")], default="draft")
    count_add = fields.Integer("To subscribe", readonly=True)
    count_remove = fields.Integer("To remove", readonly=True)
    count_no_email = fields.Integer("Without email (skipped)", readonly=True)
    count_no_phone = fields.Integer("Without mobile or phone (skipped)", readonly=True)
    count_blacklisted = fields.Integer("Blacklisted (skipped)", readonly=True)
    count_opted_out = fields.Integer("Opted out (kept out)", readonly=True)
    count_already = fields.Integer("Already subscribed", readonly=True)
    count_held_out = fields.Integer("Held out (control group)", readonly=True)
    count_archived = fields.Integer(
        "Archived (skipped)",
        readonly=True,
        help="Archived partners a static segment keeps: not pushed, as Odoo's own mailings leave them out.",
    )

    @api.depends("segment_ids")
    def _compute_holdout_percent(self):
        for wizard in self:
            wizard.holdout_percent = max(wizard.segment_ids.mapped("holdout_percent") or [0])

    @api.depends("segment_ids")
    def _compute_holdout_mixed(self):
        for wizard in self:
            wizard.holdout_mixed = len(set(wizard.segment_ids.mapped("holdout_percent"))) > 1

    def _holdout_override(self):
        """The share this push holds out of every segment, or None: each segment's own."""
        if self.holdout_mixed:
            return None
        return min(max(self.holdout_percent, 0), MAX_HOLDOUT_PERCENT)

    @api.constrains("holdout_percent")
    def _check_holdout_percent(self):
        for wizard in self:
            self.env["res.partner.segment"]._check_holdout_share(wizard.holdout_percent)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard.write(wizard._preview())
        return wizards

    @api.onchange("segment_ids", "mailing_list_id", "mode", "holdout_percent", "channel")
    def _onchange_preview(self):
        self.update(self._preview())

    def _preview(self):
        """The figures of what applying would do now."""
        figures = self._plan() if self.segment_ids else dict.fromkeys(mailing.FIGURES, 0)
        return self._figures_to_fields(figures)

    def _figures_to_fields(self, figures):
        # a sync is refused when the segments have members the user may not read: its
        # preview would count their subscriptions
        may_sync = self.mode == "sync" and not self.segment_ids._origin._hiding_members()
        return {
            "count_add": figures["to_add"],
            "count_remove": figures["to_remove"] if may_sync else 0,
            "count_no_email": figures["no_address"] if self.channel == "email" else 0,
            "count_no_phone": figures["no_address"] if self.channel == "sms" else 0,
            "count_blacklisted": figures["blacklisted"],
            "count_opted_out": figures["opted_out"],
            "count_already": figures["already"],
            "count_held_out": figures["held_out"],
            "count_archived": figures["archived"],
        }

    def _plan(self):
        segments = self.segment_ids._origin
        segments.check_access("read")
        if self.mailing_list_id:
            self.mailing_list_id._origin.check_access("read")
        self.env.flush_all()
        return mailing.plan(
            self.env.cr,
            segments.ids,
            self.mailing_list_id._origin.id or 0,
            segments._members_shown_condition(),
            holdout=self._holdout_override(),
            channel=mailing.CHANNELS[self.channel],
        )

    def action_apply(self):
        self.ensure_one()
        if not self.segment_ids:
            raise UserError(self.env._("Choose at least one segment."))
        if bool(self.mailing_list_id) == bool(self.new_list_name):
            raise UserError(self.env._("Choose an existing mailing list or give a name for a new one (not both)."))
        self.segment_ids.check_access("read")
        holdout = self._holdout_override()
        changed = self.segment_ids.filtered(lambda s: holdout is not None and s.holdout_percent != holdout)
        if changed:
            # kept on the segments, so that every later push and linked-list sync -- into
            # other users' lists too -- holds out the same partners: only a user who may
            # change the segments may change it
            try:
                changed.check_access("write")
                changed._check_global_segment_author()
            except (AccessError, ValidationError):
                raise UserError(
                    self.env._(
                        "Only a segmentation manager who may change segment “%(name)s” may change its "
                        "holdout (now %(share)s %%): push with that share, or ask a manager.",
                        name=changed[0].name,
                        share=changed[0].holdout_percent,
                    )
                ) from None
            changed.holdout_percent = holdout
        mailing_list = self.mailing_list_id or self.env["mailing.list"].create({"name": self.new_list_name})
        figures = self.segment_ids._push_to_list(mailing_list, self.mode, self.channel)
        # who was mailed and who was held out, for the campaign lift report
        self.env["res.partner.segment.push"]._record(
            self.segment_ids, mailing_list, self.segment_ids._readable_partners_sql(), self.channel
        )
        self.write(
            {
                **self._figures_to_fields(figures),
                "count_add": figures["added"],
                "count_remove": figures["removed"],
                "mailing_list_id": mailing_list.id,
                "new_list_name": False,
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Segments pushed to %s", mailing_list.name),
        }

    def action_open_list(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mailing.list",
            "res_id": self.mailing_list_id.id,
            "view_mode": "form",
        }
