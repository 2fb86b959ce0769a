from odoo import models
from odoo.tools import SQL


class PartnerSegmentationSelectionOrderMixin(models.AbstractModel):
    """Groups by a lifecycle stage or an RFM segment come in the order their selection
    lists them (lead, new, active ... lost; champions ... hibernating), not in the
    alphabetical order of their keys: in graphs and their legends, pivots and grouped lists."""

    _name = "partner.segmentation.selection.order.mixin"
    _description = "Selections grouped in their own order"
    _ordered_selections = ()  # the model's selection fields grouped in their own order

    def _read_group_orderby(self, order, groupby_terms, query):
        terms = {
            spec: SQL("array_position(%s::varchar[], %s::varchar)", self._fields[spec].get_values(self.env), term)
            if spec in self._ordered_selections
            else term
            for spec, term in groupby_terms.items()
        }
        return super()._read_group_orderby(order, terms, query)
