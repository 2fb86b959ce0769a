from odoo import api, models

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

    def _form_guarded_comodels(self):
        """Partners too: a form's ``onchange`` reads a many2one's name as the superuser
        (``web_read`` on ``sudo()``), whoever asks, so any partner's name would come back
        for its id (``base`` checks what a form is given)."""
        return GUARDED_COMODELS

    def _validate_fields(self, field_names, excluded_names=()):
        field_names = set(field_names)  # a generator, read twice
        if not self.env.su:
            for field in self._guarded_links():
                if field.name in field_names:
                    self[field.name].check_access("read")
        return super()._validate_fields(field_names, excluded_names)
