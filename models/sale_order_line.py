from odoo import api, models


class SaleOrderLine(models.Model):
    """A confirmed order's amount follows its lines: a line added, removed or repriced queues
    the order's customer for the lifecycle's next daily run."""

    _inherit = "sale.order.line"

    # what the untaxed amount of a line depends on (sale's _compute_amount, and what its
    # price, quantity and taxes are computed from), and its order
    _LIFECYCLE_FIELDS = frozenset(
        {
            "product_uom_qty",
            "discount",
            "price_unit",
            "tax_id",
            "order_id",
            "product_id",
            "product_uom",
            "product_packaging_qty",
        }
    )

    def _lifecycle_mark(self):
        self.order_id.sudo().filtered(lambda order: order.state == "sale")._lifecycle_mark()

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._lifecycle_mark()
        return lines

    def write(self, vals):
        relevant = not self._LIFECYCLE_FIELDS.isdisjoint(vals)
        if relevant:
            self._lifecycle_mark()
        result = super().write(vals)
        if relevant:
            self._lifecycle_mark()
        return result

    def unlink(self):
        self._lifecycle_mark()
        return super().unlink()
