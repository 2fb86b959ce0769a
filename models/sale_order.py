from odoo import models


class SaleOrder(models.Model):
    """Quotations and orders by the customer's lifecycle stage and segments."""

    _name = "sale.order"
    _inherit = [
        "sale.order",
        "partner.segmentation.customer.stage.mixin",
        "partner.segmentation.customer.segments.mixin",
    ]
