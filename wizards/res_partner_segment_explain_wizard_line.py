from odoo import fields, models


class ResPartnerSegmentExplainWizardLine(models.TransientModel):
    """One condition of a segment, this partner's value, and whether it is met."""

    _name = "res.partner.segment.explain.wizard.line"
    _description = "A segment condition checked for one partner"

    explain_id = fields.Many2one("res.partner.segment.explain.wizard", required=True, ondelete="cascade")
    condition = fields.Char()
    partner_value = fields.Char("This partner")
    met = fields.Boolean()
