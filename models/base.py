from odoo import models
from odoo.osv import expression

COMPANY_VIEW = "partner_segmentation_company_view"
SEGMENT_FIELDS = ("segment_ids", "static_segment_ids", "dynamic_segment_ids")
# Relations between partners and segments stored in our tables: Odoo resolves a search on
# them by ids without the record rules of the other side, which would tell who is in a
# segment the user may not read, or which hidden partner is in a segment.
GUARDED_RELATIONS = {
    "res.partner": SEGMENT_FIELDS,
    "res.partner.segment": ("partner_ids", "include_partner_ids", "exclude_partner_ids"),
}
GUARDED_NAMES = {name for names in GUARDED_RELATIONS.values() for name in names}


def mentions_guarded(domain):
    """Whether a condition of ``domain``, or of its sub-conditions, ends on a guarded field."""
    for leaf in domain:
        if isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str):
            if leaf[0].rsplit(".", 1)[-1] in GUARDED_NAMES:
                return True
            if leaf[1] in ("any", "not any") and isinstance(leaf[2], list | tuple) and mentions_guarded(leaf[2]):
                return True
    return False


def guarded_comodel(model, fname):
    """The model whose record rules a search on ``model.fname`` by ids must go through, or
    None (``res.users`` has its partner's segment fields through ``_inherits``)."""
    for owner, names in GUARDED_RELATIONS.items():
        if fname in names and (model._name == owner or owner in model._inherits):
            return model._fields[fname].comodel_name
    return None


class Base(models.AbstractModel):
    """Company view for segment computation: in sudo (no user, no group) but bound by every
    model's global record rules for the companies of the context, so a company's segment
    sees, through any relation, only what that company's users may see.

    Active only with the ``partner_segmentation_company_view`` context key: every other
    search in Odoo is untouched.
    """

    _inherit = "base"

    def _search(self, domain, offset=0, limit=None, order=None):
        """Partners' segments and segments' partners named by id, on any path from any model
        (``user_ids.partner_id.segment_ids`` is joined without a search on partners), go
        through the record rules of the side named."""
        if not self.env.su and domain and mentions_guarded(domain):
            domain = self.env["res.partner"]._readable_segment_domain(domain, self)
        return super()._search(domain, offset, limit, order)

    def _apply_ir_rules(self, query, mode="read"):
        res = super()._apply_ir_rules(query, mode)
        if self.env.su and self.env.context.get(COMPANY_VIEW):
            Rule = self.env["ir.rule"].with_context(**{COMPANY_VIEW: False})
            domain = Rule._segment_company_domain(self._name, mode)
            if domain:
                expression.expression(domain, self.sudo(), self._table, query)
        return res
