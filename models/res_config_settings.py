from odoo import fields, models

from .res_company import LifecycleRunning


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
        with them, and the user is told it is done -- or, while another run computes the
        company, that it is (the settings are saved all the same, and taken by that run's
        successor)."""
        self.execute()
        try:
            self.company_id.action_recompute_lifecycle()
        except LifecycleRunning as running:
            # no reload: it would take the warning off the screen at once; it stays until closed
            return self._lifecycle_notification(
                self.env._("Settings saved"), str(running), "warning", reload=False
            )
        return self._lifecycle_notification(
            self.env._("Lifecycle recomputed"),
            self.env._("Settings saved; stages and purchase figures of %s are up to date.", self.company_id.name),
            "success",
        )

    def _lifecycle_notification(self, title, message, kind, reload=True):
        params = {"title": title, "message": message, "type": kind, "sticky": not reload}
        if reload:  # the settings page then shows the new "last computed"
            params["next"] = {"type": "ir.actions.client", "tag": "reload"}
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}
