from odoo import api, fields, models


class PartnerSegmentationSelectionMixin(models.AbstractModel):
    """Wizards opened on records selected in a list: ``_selection_field`` is filled with
    them when the active model is ``_selection_model``."""

    _name = "partner.segmentation.selection.mixin"
    _description = "Wizard filled with the selected records"

    _selection_model = None
    _selection_field = None

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == self._selection_model and self._selection_field in fields_list:
            res[self._selection_field] = [fields.Command.set(context.get("active_ids") or [])]
        return res
