from odoo import api, fields, models

from ..engine import lifecycle


class ResPartnerLifecyclePending(models.Model):
    """A customer whose orders or opportunities changed with a company since the lifecycle
    last ran: the daily run recomputes these customers from their orders and every other
    row from what it holds (``engine.lifecycle``), a full run recomputes everyone.

    Queued by the create/write/unlink of orders, order lines, opportunities and partners
    (``partner.segmentation.lifecycle.source.mixin`` and the overrides beside it), with
    plain inserts: marking must cost an order's confirmation nothing. No access for users.
    """

    _name = "res.partner.lifecycle.pending"
    _inherit = ["partner.segmentation.readable.links.mixin"]
    _description = "Customer waiting for the lifecycle's next run"
    _log_access = False

    partner_id = fields.Many2one("res.partner", "Customer", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade", index=True)

    @api.model
    def _mark(self, pairs):
        """Queue (partner, company) pairs of records: their commercial entities change."""
        lifecycle.mark(self.env.cr, [(partner.commercial_partner_id.id, company.id) for partner, company in pairs])

    @api.model
    def _mark_everywhere(self, partners):
        """Queue commercial partners for every company."""
        if partners:
            lifecycle.mark_everywhere(self.env.cr, partners.commercial_partner_id.ids)
