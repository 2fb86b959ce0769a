"""18.0.1.9.0: a sync removes only what pushes of its own segments added (it removed any
segment's, so another user's campaign, maybe another company's). A subscription synced
before is taken as its list's segment's where one segment is linked to the list (what the
old code's next sync of that list would have done); the others, of pushes from the wizard,
are kept from now on, as contacts added by hand."""


def migrate(cr, version):
    cr.execute(
        """UPDATE mailing_subscription s
              SET segment_sync_origins = ARRAY[linked.segment_id]
             FROM (SELECT list_id, min(segment_id) AS segment_id
                     FROM res_partner_segment_mailing_list_rel
                    GROUP BY list_id HAVING count(*) = 1) linked
            WHERE linked.list_id = s.list_id AND s.segment_sync AND s.segment_sync_origins IS NULL"""
    )
