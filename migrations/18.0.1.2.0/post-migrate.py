"""18.0.1.2.0: the size history keeps one point per segment and day (``last_of_day``); a
partner's first lifecycle stage is an entry, not a change (``initial``)."""


def migrate(cr, version):
    cr.execute("""
        UPDATE res_partner_segment_history h SET last_of_day = false
         WHERE EXISTS (SELECT 1 FROM res_partner_segment_history later
                        WHERE later.segment_id = h.segment_id
                          AND later.computed_at::date = h.computed_at::date
                          AND (later.computed_at, later.id) > (h.computed_at, h.id))
    """)
    cr.execute("UPDATE res_partner_lifecycle_transition SET initial = true WHERE from_stage IS NULL")
