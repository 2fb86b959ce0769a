from odoo import fields, models
from odoo.osv import expression

SEGMENT_USERS = "partner_segmentation.group_segment_user"


class PartnerSegmentationCustomerSegmentsMixin(models.AbstractModel):
    """Records of a customer (orders, opportunities, sales analysis lines) found by the
    segments of that customer: "Customer segment" in their search views. A record matches
    when its partner, or the partner's commercial entity, is a member."""

    _name = "partner.segmentation.customer.segments.mixin"
    _description = "Records searchable by their customer's segments"
    _customer_field = "partner_id"  # the record's customer

    partner_segment_ids = fields.Many2many(
        "res.partner.segment",
        string="Customer segments",
        compute="_compute_partner_segment_ids",
        search="_search_partner_segment_ids",
        groups=SEGMENT_USERS,
        help="The segments of the customer (or of its company).",
    )

    def _compute_partner_segment_ids(self):
        for record in self:
            customer = record[self._customer_field]
            record.partner_segment_ids = (customer | customer.commercial_partner_id).segment_ids

    def _search_partner_segment_ids(self, operator, value):
        """Through the partners the user may read, with the user's rights on segments."""
        self.check_field_access_rights("read", ["partner_segment_ids"])
        if operator in expression.NEGATIVE_TERM_OPERATORS:
            positive = expression.TERM_OPERATORS_NEGATION[operator]
            return ["!", *self._search_partner_segment_ids(positive, value)]
        members = (
            self.env["res.partner"].with_context(active_test=False)._search([("segment_ids", operator, value)])
        )
        return [
            "|",
            (self._customer_field, "in", members),
            (f"{self._customer_field}.commercial_partner_id", "in", members),
        ]
