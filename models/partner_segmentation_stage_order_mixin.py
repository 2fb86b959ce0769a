from odoo import models
from odoo.tools import SQL

from ..engine.lifecycle import STAGES


class PartnerSegmentationStageOrderMixin(models.AbstractModel):
    """Groups by lifecycle stage come in funnel order (lead, new, active ... lost), not in
    the alphabetical order of their keys: in graphs, pivots and grouped lists."""

    _name = "partner.segmentation.stage.order.mixin"
    _description = "Lifecycle stages grouped in funnel order"
    _stage_fields = ()  # the stage fields of the model

    def _read_group_orderby(self, order, groupby_terms, query):
        funnel = SQL("%s::varchar[]", [key for key, _label in STAGES])
        terms = {
            spec: SQL("array_position(%s, %s::varchar)", funnel, term) if spec in self._stage_fields else term
            for spec, term in groupby_terms.items()
        }
        return super()._read_group_orderby(order, terms, query)
