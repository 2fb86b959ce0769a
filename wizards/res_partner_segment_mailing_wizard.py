from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import mailing


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
    mode = fields.Selection(
        [("add", "Add only"), ("sync", "Sync (also remove those that left)")],
        required=True,
        default="add",
        help="Sync removes only the subscriptions that segment syncing created; contacts "
        "added by hand or by import, and opt-outs, always stay.",
    )
    state = fields.Selection([("draft", "Preview"), ("done", "Done")], default="draft")
    count_add = fields.Integer("To subscribe", readonly=True)
    count_remove = fields.Integer("To remove", readonly=True)
    count_no_email = fields.Integer("Without email (skipped)", readonly=True)
    count_blacklisted = fields.Integer("Blacklisted (skipped)", readonly=True)
    count_opted_out = fields.Integer("Opted out (kept out)", readonly=True)
    count_already = fields.Integer("Already subscribed", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard.write(wizard._preview())
        return wizards

    @api.onchange("segment_ids", "mailing_list_id", "mode")
    def _onchange_preview(self):
        self.update(self._preview())

    def _preview(self):
        """The figures of what applying would do now."""
        figures = self._plan() if self.segment_ids else dict.fromkeys(mailing.FIGURES, 0)
        return self._figures_to_fields(figures)

    def _figures_to_fields(self, figures):
        return {
            "count_add": figures["to_add"],
            "count_remove": figures["to_remove"] if self.mode == "sync" else 0,
            "count_no_email": figures["no_email"],
            "count_blacklisted": figures["blacklisted"],
            "count_opted_out": figures["opted_out"],
            "count_already": figures["already"],
        }

    def _plan(self):
        segments = self.segment_ids._origin
        segments.check_access("read")
        if self.mailing_list_id:
            self.mailing_list_id._origin.check_access("read")
        self.env.flush_all()
        return mailing.plan(
            self.env.cr, segments.ids, self.mailing_list_id._origin.id or 0, segments._readable_partners_sql()
        )

    def action_apply(self):
        self.ensure_one()
        if not self.segment_ids:
            raise UserError(self.env._("Choose at least one segment."))
        if bool(self.mailing_list_id) == bool(self.new_list_name):
            raise UserError(
                self.env._("Choose an existing mailing list or give a name for a new one " "(not both).")
            )
        self.segment_ids.check_access("read")
        mailing_list = self.mailing_list_id or self.env["mailing.list"].create({"name": self.new_list_name})
        figures = self.segment_ids._push_to_list(mailing_list, self.mode)
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
