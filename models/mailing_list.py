from odoo import api, fields, models
from odoo.exceptions import UserError


class MailingList(models.Model):
    _inherit = "mailing.list"

    segment_ids = fields.Many2many(
        "res.partner.segment",
        "res_partner_segment_mailing_list_rel",
        "list_id",
        "segment_id",
        string="Synced segments",
        readonly=True,
        copy=False,
        help="Segments whose members are synced into this list when linked, after each of "
        "their recomputes and each change of a static one's members. Linked from the "
        "segment, where who may do it is checked.",
    )

    @api.model
    def default_get(self, fields_list):
        """Nor as a default (a context key, a user's own ``ir.default``): the list's sync
        runs as the system and would subscribe members the user may not read."""
        defaults = super().default_get(fields_list)
        if not self.env.su:
            defaults.pop("segment_ids", None)
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        if any("segment_ids" in vals for vals in vals_list):
            self._refuse_segment_links()
        return super().create(vals_list)

    def write(self, vals):
        if "segment_ids" in vals:
            self._refuse_segment_links()
        return super().write(vals)

    def _refuse_segment_links(self):
        """A list is linked to a segment from the segment (its company and who may change
        it are checked there), never from the list."""
        if not self.env.su:
            raise UserError(self.env._("Link a segment to this list from the segment, in its Mailing tab."))
