from odoo import models
from odoo.exceptions import AccessError


class PartnerSegmentationFindableRowsMixin(models.AbstractModel):
    """Rows a user may only learn of through that user's searches (which filter them beyond
    the record rules): ``exists()`` and ``has_access`` would otherwise confirm any id, and
    an access error in debug mode name the row (a hidden partner's entry into a segment)."""

    _name = "partner.segmentation.findable.rows.mixin"
    _description = "Rows found only through searches"

    def exists(self):
        return super().exists()._findable()

    def _check_access(self, operation):
        """Rows the user may not find are forbidden like rows that do not exist, whatever
        the record rules say, with an error that names none of them."""
        if any(self._ids):
            hidden = self - self._findable()
            if hidden:
                return hidden, lambda: AccessError(
                    self.env._("You may not read these rows of %s.", self._description)
                )
        return super()._check_access(operation)

    def _findable(self):
        """These rows, less those the user's searches do not return."""
        if self.env.su or not self:
            return self
        return self.search([("id", "in", self.ids)])
