from odoo import models


class CrmStage(models.Model):
    """An opportunity in a won stage is no longer open interest: a stage becoming won, or no
    longer won, queues the customers of its opportunities for the lifecycle's next run."""

    _inherit = "crm.stage"

    def write(self, vals):
        if "is_won" not in vals:
            return super().write(vals)
        leads = self.env["crm.lead"].sudo().with_context(active_test=False).search([("stage_id", "in", self.ids)])
        result = super().write(vals)
        leads._lifecycle_mark()
        return result
