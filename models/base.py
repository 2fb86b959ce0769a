from odoo import models
from odoo.osv import expression

COMPANY_VIEW = "partner_segmentation_company_view"


class Base(models.AbstractModel):
    """Company view for segment computation: in sudo (no user, no group) but bound by every
    model's global record rules for the companies of the context, so a company's segment
    sees, through any relation, only what that company's users may see.

    Active only with the ``partner_segmentation_company_view`` context key: every other
    search in Odoo is untouched.
    """

    _inherit = "base"

    def _apply_ir_rules(self, query, mode="read"):
        res = super()._apply_ir_rules(query, mode)
        if self.env.su and self.env.context.get(COMPANY_VIEW):
            Rule = self.env["ir.rule"].with_context(**{COMPANY_VIEW: False})
            domain = Rule._segment_company_domain(self._name, mode)
            if domain:
                expression.expression(domain, self.sudo(), self._table, query)
        return res
