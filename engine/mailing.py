"""Segments into a mailing list, set-based, without ever losing consent.

``plan`` gathers the segments' members once into a work table keyed by normalized email,
with the contact to reuse and the email's state in the list, and counts what a sync would
do; ``apply`` then does it in three statements that read only that table: create the
missing mailing contacts, subscribe the emails not yet in the list, and (in ``sync`` mode)
remove the subscriptions that segment syncing created for emails no longer targeted.

Consent rules: a blacklisted email is never subscribed; an opted-out subscription is never
re-subscribed nor deleted; only subscriptions flagged ``segment_sync`` are ever removed, so
contacts added by hand or by import stay.
"""

from odoo.tools import SQL

from .batch import analyze_if_large

TARGET_TABLE = "partner_segment_mailing_target"

FIGURES = ("to_add", "to_remove", "no_email", "blacklisted", "opted_out", "already", "held_out")


def held_out(holdout=None):
    """Whether member ``m`` of segment ``s`` is in that segment's holdout (control) group:
    a bucket 0-99 from the md5 of "segment:partner" -- the same partners at every push and
    sync of the segment, on any PostgreSQL version -- below the segment's holdout share
    (or ``holdout``, a share being previewed)."""
    share = SQL("%s", holdout) if holdout is not None else SQL("s.holdout_percent")
    return SQL(
        """(%(share)s > 0
            AND mod(('x' || substr(md5(m.segment_id || ':' || m.partner_id), 1, 8))::bit(32)::bigint, 100)
                < %(share)s)""",
        share=share,
    )


def plan(cr, segment_ids, list_id, visible=None, holdout=None):
    """Fill the work table with the targeted emails, each with its existing mailing contact
    and its state in the list, and return the figures of a sync:
    {to_add, to_remove, no_email, blacklisted, opted_out, already, held_out}.

    ``visible``: SQL selecting the partner ids the pushing user may read; members outside
    it are neither pushed nor counted (None: every member, for the scheduler). Members in
    their segment's holdout group (``held_out``) are not targeted; ``holdout`` previews
    another share than the segments' own."""
    target = SQL.identifier(TARGET_TABLE)

    def segment_members(held):
        return SQL(
            """SELECT m.partner_id FROM res_partner_segment_member m
                 JOIN res_partner_segment s ON s.id = m.segment_id
                WHERE m.segment_id = ANY(%s) AND %s AND %s %s""",
            list(segment_ids),
            SQL("m.partner_id IN (%s)", visible) if visible is not None else SQL("TRUE"),
            SQL("") if held else SQL("NOT"),
            held_out(holdout),
        )

    members = segment_members(held=False)
    cr.execute(SQL("SELECT count(*) FROM (%s EXCEPT %s) t", segment_members(held=True), members))
    held_out_count = cr.fetchone()[0]
    cr.execute(SQL("DROP TABLE IF EXISTS %s", target))
    cr.execute(
        SQL(
            """
        CREATE TEMP TABLE %(target)s AS
        WITH emails AS MATERIALIZED (   -- one row per normalized email, its first partner
            SELECT DISTINCT ON (p.email_normalized)
                   p.email_normalized, p.email, p.name, p.country_id
              FROM res_partner p
             WHERE p.email_normalized IS NOT NULL AND p.id IN (%(members)s)
             ORDER BY p.email_normalized, p.id
        ), contacts AS (                 -- the mailing contact to reuse for each email
            SELECT c.email_normalized, min(c.id) AS contact_id
              FROM mailing_contact c
             WHERE c.email_normalized IN (SELECT email_normalized FROM emails)
             GROUP BY c.email_normalized
        ), listed AS (                   -- per email already in the list: subscribed / opted out
            SELECT c.email_normalized, bool_or(NOT coalesce(s.opt_out, false)) AS subscribed,
                   bool_or(coalesce(s.opt_out, false)) AS opted_out
              FROM mailing_subscription s JOIN mailing_contact c ON c.id = s.contact_id
             WHERE s.list_id = %(list)s AND c.email_normalized IS NOT NULL
             GROUP BY c.email_normalized
        )
        SELECT e.email_normalized, e.email, e.name, e.country_id, co.contact_id,
               EXISTS (SELECT 1 FROM mail_blacklist bl
                        WHERE bl.email = e.email_normalized AND bl.active) AS blacklisted,
               l.email_normalized IS NOT NULL AS in_list,
               coalesce(l.subscribed, false) AS subscribed,
               coalesce(l.opted_out, false) AS opted_out
          FROM emails e
          LEFT JOIN contacts co ON co.email_normalized = e.email_normalized
          LEFT JOIN listed l ON l.email_normalized = e.email_normalized
        """,
            target=target,
            members=members,
            list=list_id,
        )
    )
    cr.execute(SQL("CREATE UNIQUE INDEX ON %s (email_normalized)", target))
    cr.execute(SQL("ANALYZE %s", target))
    cr.execute(
        SQL(
            """
        SELECT count(*) FILTER (WHERE NOT blacklisted AND NOT in_list),
               count(*) FILTER (WHERE blacklisted AND NOT subscribed),
               count(*) FILTER (WHERE NOT blacklisted AND opted_out AND NOT subscribed),
               count(*) FILTER (WHERE subscribed)
          FROM %s
        """,
            target,
        )
    )
    to_add, blacklisted, opted_out, already = cr.fetchone()
    cr.execute(
        SQL("SELECT count(*) FROM res_partner p WHERE p.email_normalized IS NULL AND p.id IN (%s)", members)
    )
    no_email = cr.fetchone()[0]
    cr.execute(
        SQL(
            """
        SELECT count(*) FROM mailing_subscription s JOIN mailing_contact c ON c.id = s.contact_id
         WHERE s.list_id = %(list)s AND s.segment_sync AND NOT coalesce(s.opt_out, false)
           AND NOT EXISTS (SELECT 1 FROM %(target)s t
                            WHERE t.email_normalized = c.email_normalized)
        """,
            target=target,
            list=list_id,
        )
    )
    to_remove = cr.fetchone()[0]
    return {
        "to_add": to_add,
        "to_remove": to_remove,
        "no_email": no_email,
        "blacklisted": blacklisted,
        "opted_out": opted_out,
        "already": already,
        "held_out": held_out_count,
    }


def apply(cr, list_id, mode, uid):
    """Apply the plan in the work table to the list; return (added, removed)."""
    target = SQL.identifier(TARGET_TABLE)
    now = SQL("(now() at time zone 'utc')")
    # 1. a mailing contact for each email to subscribe that has none yet (reuse otherwise)
    cr.execute(
        SQL(
            """
        WITH created AS (
            INSERT INTO mailing_contact (name, email, email_normalized, country_id,
                                         message_bounce, create_uid, create_date, write_uid,
                                         write_date)
            SELECT t.name, t.email, t.email_normalized, t.country_id, 0,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM %(target)s t
             WHERE NOT t.blacklisted AND NOT t.in_list AND t.contact_id IS NULL
            RETURNING id, email_normalized
        )
        UPDATE %(target)s t SET contact_id = c.id
          FROM created c WHERE c.email_normalized = t.email_normalized
        """,
            target=target,
            uid=uid,
            now=now,
        )
    )
    analyze_if_large(cr, "mailing_contact", cr.rowcount)
    # 2. subscribe emails with no subscription at all in the list (opted-out ones stay out)
    cr.execute(
        SQL(
            """
        INSERT INTO mailing_subscription (contact_id, list_id, opt_out, segment_sync,
                                          create_uid, create_date, write_uid, write_date)
        SELECT t.contact_id, %(list)s, false, true, %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM %(target)s t
         WHERE NOT t.blacklisted AND NOT t.in_list
         ORDER BY t.contact_id
        ON CONFLICT (contact_id, list_id) DO NOTHING
        """,
            target=target,
            list=list_id,
            uid=uid,
            now=now,
        )
    )
    added = cr.rowcount
    analyze_if_large(cr, "mailing_subscription", added)
    removed = 0
    if mode == "sync":
        # 3. only what segment syncing created, never an opt-out
        cr.execute(
            SQL(
                """
            DELETE FROM mailing_subscription s USING mailing_contact c
             WHERE c.id = s.contact_id AND s.list_id = %(list)s
               AND s.segment_sync AND NOT coalesce(s.opt_out, false)
               AND NOT EXISTS (SELECT 1 FROM %(target)s t
                                WHERE t.email_normalized = c.email_normalized)
            """,
                target=target,
                list=list_id,
            )
        )
        removed = cr.rowcount
    cr.execute(SQL("DROP TABLE IF EXISTS %s", target))
    return added, removed


def sync_segments_to_list(cr, segment_ids, list_id, mode, uid, visible=None):
    """Plan and apply in one go; returns the plan's figures with the applied ``added`` and
    ``removed``. The caller flushes the ORM before and invalidates its caches of mailing
    contacts, subscriptions and lists after."""
    figures = plan(cr, segment_ids, list_id, visible)
    figures["added"], figures["removed"] = apply(cr, list_id, mode, uid)
    return figures
