from odoo import models


class SaleOrder(models.Model):
    """Quotations and orders by the customer's lifecycle stage and segments; what the
    lifecycle is computed from."""

    _name = "sale.order"
    _inherit = [
        "sale.order",
        "partner.segmentation.customer.stage.mixin",
        "partner.segmentation.customer.segments.mixin",
        "partner.segmentation.lifecycle.source.mixin",
    ]
    # the currency and its rate follow the pricelist (computed, not written)
    _lifecycle_fields = (
        "state",
        "partner_id",
        "company_id",
        "date_order",
        "currency_rate",
        "currency_id",
        "pricelist_id",
    )
