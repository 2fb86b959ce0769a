"""Segments saved before conditions were evaluated with their author's rights: their
creator is taken as the author (the system's own segments stay without one)."""


def migrate(cr, version):
    cr.execute("""
        UPDATE res_partner_segment s SET author_id = s.create_uid
          FROM res_users u
         WHERE u.id = s.create_uid AND s.author_id IS NULL AND s.create_uid != 1
    """)
