from odoo import models
from odoo.osv import expression


class PartnerSegmentationReadablePartnerMixin(models.AbstractModel):
    """Rows about one partner (segment entries and exits, lifecycle rows and stage changes)
    that a user finds only when that user may read the partner: the partner's name, shown
    in lists through the many2one, would otherwise tell what the user may not read."""

    _name = "partner.segmentation.readable.partner.mixin"
    _inherit = ["partner.segmentation.findable.rows.mixin", "partner.segmentation.readable.links.mixin"]
    _description = "Rows visible only with their partner"

    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            readable = self.env["res.partner"].with_context(active_test=False)._search([])
            domain = expression.AND([domain, [("partner_id", "in", readable)]])
        return super()._search(domain, offset, limit, order)

    def action_open_partner(self):
        """A row's click in the lists: its partner's form, as in Odoo's own reports."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
