"""18.0.1.12.0:

- join and leave actions run as the user who chose them (``actions_user_id``), no longer as
  whoever last wrote the conditions. Until now the author of the conditions was the last to
  write the actions too, unless the conditions were written after them: the segments that
  have actions keep running them as their author, as before;
- archived partners are no longer counted: static segments are recounted (dynamic ones at
  their next recompute)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    cr.execute(
        """UPDATE res_partner_segment SET actions_user_id = author_id
            WHERE on_join_action_id IS NOT NULL OR on_leave_action_id IS NOT NULL"""
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["res.partner.segment"].with_context(active_test=False).search(
        [("segment_type", "=", "static")]
    )._refresh_member_count()
