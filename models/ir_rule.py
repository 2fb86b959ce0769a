from odoo import api, models, tools
from odoo.osv import expression
from odoo.tools.safe_eval import safe_eval


class IrRule(models.Model):
    _inherit = "ir.rule"

    @api.model
    @tools.ormcache(
        "self.env.uid", "model_name", "mode", "tuple(self.env.context.get('allowed_company_ids') or ())"
    )
    def _segment_company_domain(self, model_name, mode="read"):
        """The global record rules of ``model_name`` (its multi-company rules, chiefly),
        evaluated for the companies of the context: what any user of those companies is
        bound by, whatever their groups. Segments of a company are computed under them.
        Called without the company view in the context (it would search companies)."""
        Rule = self.sudo()
        domains = [
            [(field, "any", domain)]
            for parent, field in self.env[model_name]._inherits.items()
            if (domain := Rule._segment_company_domain(parent, mode))
        ]
        rules = Rule.search(
            [("model_id.model", "=", model_name), ("global", "=", True), (f"perm_{mode}", "=", True)]
        )
        context = Rule._eval_context()
        domains += [
            expression.normalize_domain(safe_eval(rule.domain_force, context))
            for rule in rules
            if rule.domain_force
        ]
        return expression.AND(domains) if domains else []
