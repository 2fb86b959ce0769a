from odoo import api, models
from odoo.exceptions import AccessError

from .base import many2one_ids

# the records whose names a many2one shows to whoever reads the row holding it
GUARDED_COMODELS = ("res.partner.segment", "res.partner")


class PartnerSegmentationReadableLinksMixin(models.AbstractModel):
    """Rows and forms with a many2one to a segment or a partner (wizards, rows about a
    partner): a many2one shows the name of the record it holds whoever may read it, so a
    user only ever sets one the user may read, by value or by default (``default_*``
    context keys, a user's own ``ir.default``, which are dropped instead)."""

    _name = "partner.segmentation.readable.links.mixin"
    _description = "Links only to segments and partners the user may read"

    def _guarded_links(self):
        return [f for f in self._fields.values() if f.type == "many2one" and f.comodel_name in GUARDED_COMODELS]

    @api.model
    def default_get(self, fields_list):
        defaults = super().default_get(fields_list)
        if self.env.su:
            return defaults
        for field in self._guarded_links():
            value = defaults.get(field.name)
            # an id the user may read, or nothing (a default given as a dict of values is a
            # new record made from a saved one, whose name a form would show)
            if (value is not None and value is not False) and not (
                isinstance(value, int) and self.env[field.comodel_name].browse(value).has_access("read")
            ):
                del defaults[field.name]
        return defaults

    def onchange(self, values, field_names, fields_spec):
        """Nor in a form's values: Odoo reads the name of a many2one it is given as the
        superuser (``web_read`` on ``sudo()``), whoever asks, so any partner's name would
        come back for its id. Segments are checked for every model (``base``)."""
        if not self.env.su:
            for field in self._guarded_links():
                value = values.get(field.name)
                named = many2one_ids(value.get("id") if isinstance(value, dict) else value)
                origins = [getattr(i, "origin", i) for i in named]
                if any(not isinstance(i, int) or isinstance(i, bool) for i in origins if i):
                    raise AccessError(self.env._("Records are given to a form by their id."))
                if named := [i for i in origins if i]:
                    self.env[field.comodel_name].browse(named).check_access("read")
        return super().onchange(values, field_names, fields_spec)

    def _validate_fields(self, field_names, excluded_names=()):
        field_names = set(field_names)  # a generator, read twice
        if not self.env.su:
            for field in self._guarded_links():
                if field.name in field_names:
                    self[field.name].check_access("read")
        return super()._validate_fields(field_names, excluded_names)
