from odoo import models


class CrmLead(models.Model):
    """The pipeline by the customer's lifecycle stage and segments; its interest counts in
    the lifecycle."""

    _name = "crm.lead"
    _inherit = [
        "crm.lead",
        "partner.segmentation.customer.stage.mixin",
        "partner.segmentation.customer.segments.mixin",
        "partner.segmentation.lifecycle.source.mixin",
    ]
    # the company follows the salesperson and the team (computed, not written)
    _lifecycle_fields = ("partner_id", "company_id", "active", "stage_id", "user_id", "team_id")
