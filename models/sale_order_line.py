from odoo import models


class SaleOrderLine(models.Model):
    """A confirmed order's amount follows its lines: a line added, removed or repriced queues
    the order's customer for the lifecycle's next daily run."""

    _name = "sale.order.line"
    _inherit = ["sale.order.line", "partner.segmentation.lifecycle.source.mixin"]
    # what the untaxed amount of a line depends on (sale's _compute_amount, and what its
    # price, quantity and taxes are computed from), and its order
    _lifecycle_fields = (
        "product_uom_qty",
        "discount",
        "price_unit",
        "tax_id",
        "order_id",
        "product_id",
        "product_uom",
        "product_packaging_qty",
    )

    def _lifecycle_customers(self):
        """The customers of the confirmed orders of these lines."""
        return self.order_id.sudo().filtered(lambda order: order.state == "sale")._lifecycle_customers()
