from odoo import models

from .res_company import lifecycle_settings_fields


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    locals().update(lifecycle_settings_fields())

    def action_recompute_lifecycle(self):
        """One click: the settings on screen are saved, then the lifecycle is recomputed
        with them (``res.company.action_recompute_lifecycle_notify``)."""
        self.execute()
        return self.company_id.action_recompute_lifecycle_notify(saved=True)
