from odoo import api, fields, models

from ..engine import domain as segment_domain
from .res_partner_segment import without_defaults


class ResPartnerSegmentTemplate(models.Model):
    """A ready-made segment: conditions to start from, offered in every company. Using one
    creates a segment of the user's current company, written by that user (so it is
    checked and computed with that user's rights, like a segment typed by hand)."""

    _name = "res.partner.segment.template"
    _description = "Ready-made segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    category = fields.Selection(
        [("purchases", "Purchases"), ("lifecycle", "Lifecycle"), ("rfm", "RFM"), ("contact", "Contact data")],
        required=True,
        default="purchases",
    )
    description = fields.Text(translate=True)
    domain = fields.Char("Conditions", required=True, default="[]")
    unusable_reason = fields.Char(
        "Not available to you",
        compute="_compute_unusable_reason",
        help="Why you cannot make a segment from this template: its conditions read a field you "
        "may not read, or you are not a segmentation manager.",
    )

    @api.depends("domain")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_unusable_reason(self):
        Segment = self.env["res.partner.segment"]
        manager = self.env.su or self.env.user.has_group("partner_segmentation.group_segment_manager")
        for template in self:
            reason = False
            if not manager:
                reason = self.env._("Segmentation managers make segments from templates.")
            else:
                try:
                    domain = segment_domain.parse(self.env, template.domain)
                    Segment._check_conditions_readable(domain, self.env["res.partner"])
                except segment_domain.DomainError as exc:
                    reason = self.env._("You cannot use this template: %s.", exc)
            template.unusable_reason = reason

    def action_use(self):
        """A new segment of the current company from this template, opened in its form:
        members follow at once on a small database, or the scheduler is woken."""
        self.ensure_one()
        Segment = self.env["res.partner.segment"].with_context(  # pylint: disable=context-overridden
            without_defaults(self.env.context)  # removing keys needs a whole context
        )
        segment = Segment.create(
            {
                "name": self.name,
                "description": self.description,
                "domain": self.domain,
                "segment_type": "dynamic",
                "company_id": self.env.company.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner.segment",
            "res_id": segment.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
