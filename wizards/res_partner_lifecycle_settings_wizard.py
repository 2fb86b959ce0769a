from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..models.res_company import lifecycle_settings_fields


class ResPartnerLifecycleSettingsWizard(models.TransientModel):
    """The lifecycle settings of the company a segmentation manager works in, for managers
    who are not administrators: Odoo's Settings page needs *Administration / Settings*
    rights for any setting. The user is checked (a segmentation manager allowed in that
    company), then the settings are written to the company as the system, which only
    administrators may write."""

    _name = "res.partner.lifecycle.settings.wizard"
    _description = "Lifecycle settings of a company"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    locals().update(lifecycle_settings_fields())

    @api.model
    def default_get(self, fields_list):
        """The company the user works in now, whatever a default says (a user's own
        ``ir.default`` would otherwise pick the company written to)."""
        defaults = super().default_get(fields_list)
        if "company_id" in fields_list:
            defaults["company_id"] = self.env.company.id
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("company_id", self.env.company.id)  # checked here, not left to defaults
            self._check_settings_manager(self.env["res.company"].browse(vals["company_id"]))
        return super(ResPartnerLifecycleSettingsWizard, self.sudo()).create(vals_list).sudo(False)

    def write(self, vals):
        if "company_id" in vals:
            raise AccessError(self.env._("The lifecycle settings are those of the company you work in."))
        self.check_access("write")  # the user's own dialog
        for wizard in self:
            self._check_settings_manager(wizard.company_id)
        return super(ResPartnerLifecycleSettingsWizard, self.sudo()).write(vals)

    @api.model
    def _check_settings_manager(self, company):
        self.env["res.partner.segment"]._check_manager(
            self.env._("Only segmentation managers change the lifecycle settings.")
        )
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(self.env._("You may only change the lifecycle settings of a company you work in."))

    def action_recompute_lifecycle(self):
        """Saved (the dialog saves before a button runs), then recomputed with them."""
        self.ensure_one()
        return self.company_id.action_recompute_lifecycle_notify(saved=True)
