from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lifecycle_cycle_mode = fields.Selection(related="company_id.lifecycle_cycle_mode", readonly=False)
    lifecycle_cycle_days = fields.Integer(related="company_id.lifecycle_cycle_days", readonly=False)
    lifecycle_default_cycle_days = fields.Integer(
        related="company_id.lifecycle_default_cycle_days", readonly=False
    )
    lifecycle_cycle_measured = fields.Boolean(related="company_id.lifecycle_cycle_measured")
    lifecycle_new_factor = fields.Float(related="company_id.lifecycle_new_factor", readonly=False)
    lifecycle_churn_factor = fields.Float(related="company_id.lifecycle_churn_factor", readonly=False)
    lifecycle_dormant_factor = fields.Float(related="company_id.lifecycle_dormant_factor", readonly=False)
    lifecycle_active_count = fields.Integer(related="company_id.lifecycle_active_count", readonly=False)
    lifecycle_last_run = fields.Datetime(related="company_id.lifecycle_last_run")

    def action_recompute_lifecycle(self):
        """One click: the settings on screen are saved, then the lifecycle is recomputed
        with them (``res.company.action_recompute_lifecycle_notify``)."""
        self.execute()
        return self.company_id.action_recompute_lifecycle_notify(saved=True)
