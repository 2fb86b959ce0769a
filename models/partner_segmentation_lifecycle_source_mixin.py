from odoo import api, models


class PartnerSegmentationLifecycleSourceMixin(models.AbstractModel):
    """Records the lifecycle is computed from (orders, their lines, opportunities):
    creating, deleting or changing one of ``_lifecycle_fields`` queues its customer with its
    company, before and after the change, for the daily run
    (``res.partner.lifecycle.pending``)."""

    _name = "partner.segmentation.lifecycle.source.mixin"
    _description = "Records the customer lifecycle is computed from"
    _lifecycle_fields = ()  # the fields of the record the lifecycle reads

    def _lifecycle_customers(self):
        """(customer, company) of these records."""
        return [(record.partner_id, record.company_id) for record in self.sudo()]

    def _lifecycle_mark(self):
        self.env["res.partner.lifecycle.pending"]._mark(self._lifecycle_customers())

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._lifecycle_mark()
        return records

    def write(self, vals):
        relevant = not self._lifecycle_fields or not vals.keys().isdisjoint(self._lifecycle_fields)
        if relevant:
            self._lifecycle_mark()  # where the records were counted
        result = super().write(vals)
        if relevant:
            self._lifecycle_mark()  # where they count now
        return result

    def unlink(self):
        self._lifecycle_mark()
        return super().unlink()
