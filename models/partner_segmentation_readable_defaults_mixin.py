from odoo import api, models

# the records whose names a form's defaults could show to a user who may not read them
GUARDED_COMODELS = ("res.partner.segment", "res.partner")


class PartnerSegmentationReadableDefaultsMixin(models.AbstractModel):
    """Forms whose many2one to a segment or a partner a default may fill (``default_*``
    context keys, a user's own ``ir.default``): a default the user may not read is dropped,
    since a form shows the name of the record its many2one holds, whoever may read it."""

    _name = "partner.segmentation.readable.defaults.mixin"
    _description = "Defaults only of segments and partners the user may read"

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        if self.env.su:
            return defaults
        for fname, value in list(defaults.items()):
            field = self._fields.get(fname)
            if field is None or field.type != "many2one" or field.comodel_name not in GUARDED_COMODELS:
                continue
            record = self.env[field.comodel_name].browse(value if isinstance(value, int) else [])
            if value and not record.has_access("read"):
                del defaults[fname]
        return defaults
