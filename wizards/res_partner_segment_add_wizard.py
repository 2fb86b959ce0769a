from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import membership
from ..models.base import notification


class ResPartnerSegmentAddWizard(models.TransientModel):
    """ "Add to segment" / "Remove from segment" on partners selected in a list, for static
    segments. Members are listed through the partner list (paginated), never loaded whole
    into a form, so this is also how a large static segment is edited."""

    _name = "res.partner.segment.add.wizard"
    _description = "Add partners to or remove them from a static segment"
    _inherit = ["partner.segmentation.selection.mixin", "partner.segmentation.readable.links.mixin"]
    _selection_model = "res.partner"
    _selection_field = "partner_ids"

    operation = fields.Selection(
        [("add", "Add to segment"), ("remove", "Remove from segment")], required=True, default="add"
    )
    segment_id = fields.Many2one(
        "res.partner.segment", required=True, ondelete="cascade", domain=[("segment_type", "=", "static")]
    )
    partner_ids = fields.Many2many("res.partner", string="Partners")

    def action_apply(self):
        self.ensure_one()
        segment = self.segment_id
        segment._check_hand_members(self.partner_ids)
        if segment.segment_type != "static":
            raise UserError(
                self.env._(
                    "Partners can only be added by hand to a static segment; "
                    "“%s” is dynamic: pin them in it instead.",
                    segment.name,
                )
            )
        if not self.partner_ids:
            raise UserError(self.env._("Select the partners first."))
        selection = SQL("SELECT unnest(%s::int[]) AS id", list(self.partner_ids.ids))
        edit = membership.add_members if self.operation == "add" else membership.remove_members
        changed = edit(self.env.cr, segment.id, selection)
        self.env["res.partner"].invalidate_model(["segment_ids", "static_segment_ids"])
        segment.invalidate_recordset(["partner_ids"])
        segment.sudo()._refresh_member_count()
        if changed:
            segment._members_edited()
        figures = {
            "changed": changed,
            "unchanged": len(self.partner_ids) - changed,
            "segment": segment.name,
            "members": segment.visible_member_count,
        }
        if self.operation == "add":
            message = self.env._("Partners added to “%(segment)s”: %(changed)s.", **figures)
            if figures["unchanged"]:
                message += " " + self.env._("Already members: %(unchanged)s.", **figures)
        else:
            message = self.env._("Partners removed from “%(segment)s”: %(changed)s.", **figures)
            if figures["unchanged"]:
                message += " " + self.env._("Not members: %(unchanged)s.", **figures)
        message += " " + self.env._("Members now: %(members)s.", **figures)
        return notification(message, then={"type": "ir.actions.act_window_close"})
