from odoo import fields, models

from ..engine import figures
from .res_partner_lifecycle import figure_fields


class ResPartnerPurchaseFigures(models.Model):
    """The live purchase figures of a customer (commercial entity) with the current company: a
    query over the confirmed orders (``_table_query``), computed when read or searched, so
    "days since last purchase" and "purchases in the last 30 days" are those of the user's
    today and of today's orders.

    Partners read it for ``env.company`` through their commercial entity, as the lifecycle.
    """

    _name = "res.partner.purchase.figures"
    _inherit = ["partner.segmentation.readable.partner.mixin"]
    _description = "Customer purchase figures per company, live"
    _auto = False
    _log_access = False
    _rec_name = "partner_id"
    _order = "company_id, partner_id"

    partner_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    # days_since_last_purchase, purchase_count_30d, next_purchase_date...: one per figure
    locals().update(figure_fields(figures.LIVE_FIGURES, currency_field="currency_id", readonly=True))

    # what the query reads: flushed before it runs
    _depends = {
        "sale.order": ["partner_id", "company_id", "state", "date_order", "amount_untaxed", "currency_rate"],
        "res.partner": ["commercial_partner_id"],
    }

    @property
    def _table_query(self):
        """The current company's customers only: the rows partners read are env.company's.
        Code explaining one partner narrows it to that customer with a ``frozenset`` in
        context key ``partner_segmentation_figures_of``: a type no RPC context can hold, so
        a caller cannot shrink the figures a segment is computed from."""
        company = self.env.company
        cycle = company.sudo()._lifecycle_setting("lifecycle_cycle_days")
        customers = self.env.context.get("partner_segmentation_figures_of")
        return figures.live_figures_query(
            company.id,
            company._lifecycle_today(),
            max(1, cycle),
            customers if isinstance(customers, frozenset) and customers else None,
            company._lifecycle_tz(),
        )
