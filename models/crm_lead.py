from odoo import models


class CrmLead(models.Model):
    """The pipeline by the customer's lifecycle stage and segments."""

    _name = "crm.lead"
    _inherit = [
        "crm.lead",
        "partner.segmentation.customer.stage.mixin",
        "partner.segmentation.customer.segments.mixin",
    ]
