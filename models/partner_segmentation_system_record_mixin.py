from odoo import api, models


class PartnerSegmentationSystemRecordMixin(models.AbstractModel):
    """Records only the addon writes (as the system, for whichever user started the
    recompute or the push): they take their fields' own defaults, never that user's (a
    context key, or a personal ``ir.default`` set from any form, which Odoo applies under
    ``sudo()`` too since the user stays the same)."""

    _name = "partner.segmentation.system.record.mixin"
    _description = "Records written by the addon only"

    @api.model
    def default_get(self, fields_list):  # pylint: disable=method-required-super
        # not super(): it is what adds the context's and the user's defaults
        return {
            fname: field.default(self)
            for fname in fields_list
            if (field := self._fields.get(fname)) is not None and field.default
        }
