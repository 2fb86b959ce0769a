from odoo import api, models
from odoo.tools import SQL


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _update_foreign_keys(self, src_partners, dst_partner):
        """Merged duplicates may have been pinned in a segment and excluded from it: the
        merged partner stays excluded (never mailed against a user's explicit exclusion),
        and the segments' counts follow the merge. The customers whose orders move are
        recomputed by the lifecycle's next daily run."""
        Pending = self.env["res.partner.lifecycle.pending"]
        Pending._mark_everywhere(src_partners | dst_partner)
        res = super()._update_foreign_keys(src_partners, dst_partner)
        Pending._mark_everywhere(dst_partner)
        self.env.cr.execute(
            SQL(
                """DELETE FROM res_partner_segment_include i USING res_partner_segment_exclude e
                WHERE i.partner_id = %s AND e.partner_id = i.partner_id
                  AND e.segment_id = i.segment_id""",
                dst_partner.id,
            )
        )
        self.env["res.partner.segment"].invalidate_model(
            ["include_partner_ids", "exclude_partner_ids", "partner_ids"]
        )
        return res
