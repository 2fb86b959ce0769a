from odoo import fields, models


class MailingList(models.Model):
    _inherit = "mailing.list"

    segment_ids = fields.Many2many(
        "res.partner.segment", "res_partner_segment_mailing_list_rel", "list_id", "segment_id",
        string="Synced segments", help="Segments whose members are synced into this list after "
        "each of their recomputes.")
