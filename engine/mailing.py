"""Segments into a mailing list, set-based, without ever losing consent.

``plan`` gathers the segments' members once into a work table keyed by their address on
the channel (normalized email, or sanitized phone number for SMS), with the contact to
reuse and the address's state in the list, and counts what a sync would do; ``apply`` then
does it in three statements that read only that table: create the missing mailing
contacts, subscribe the addresses not yet in the list, and (in ``sync`` mode) remove the
subscriptions that segment syncing created for addresses no longer targeted.

Consent rules: a blacklisted address (``mail.blacklist``, ``phone.blacklist``) is never
subscribed; an opted-out subscription is never re-subscribed nor deleted, and a partner who
opted out of the list by email is not subscribed by number (nor the reverse); only
subscriptions flagged ``segment_sync`` are ever removed, and only by a sync of the channel
that created them, so contacts added by hand or by import, and the other channel's, stay.
"""

from dataclasses import dataclass

from odoo.tools import SQL

from .batch import analyze_if_large, create_temp_table, drop_temp_tables, with_local_settings

TARGET_TABLE = "partner_segment_mailing_target"

# The planner's settings for a sync's statements. PostgreSQL misjudges the joins of the
# work table by orders of magnitude and compiled them with JIT: at 1M partners, 3.4 s of an
# unchanged re-sync's 4.2 s of a 180,000-partner segment; and their sorts spilled to disk.
SYNC_SETTINGS = {"jit": "off", "work_mem": "64MB"}

FIGURES = ("to_add", "to_remove", "no_address", "blacklisted", "opted_out", "already", "held_out", "archived")


@dataclass(frozen=True)
class Channel:
    """How members reach a list on one channel: their normalized address (one mailing
    contact per address), the contact's column it is written to, the blacklist, and the
    other channel's address (a contact is reused only if it has none or the member's)."""

    name: str  # stamped on the subscriptions it creates (``segment_sync_channel``)
    key: str  # normalized address, the same column on res_partner and mailing_contact
    contact_value: str  # mailing_contact column the address is written to
    partner_value: str  # res_partner column written there
    blacklist: str  # table of barred addresses (with ``active``)
    blacklist_key: str
    other_key: str  # the other channel's ``key``


EMAIL = Channel("email", "email_normalized", "email", "email", "mail_blacklist", "email", "phone_sanitized")
# mass_mailing_sms texts a list's contact at its mobile: the partner's sanitized number
# (its mobile, else its phone, as Odoo's SMS composer picks it)
SMS = Channel(
    "sms", "phone_sanitized", "mobile", "phone_sanitized", "phone_blacklist", "number", "email_normalized"
)
CHANNELS = {"email": EMAIL, "sms": SMS}


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


@with_local_settings(**SYNC_SETTINGS)
def plan(cr, segment_ids, list_id, shown=None, holdout=None, channel=EMAIL, count_leaving=True):
    """Fill the work table with the targeted addresses on ``channel``, each with its
    existing mailing contact and its state in the list, and return the figures of a sync:
    {to_add, to_remove, no_address, blacklisted, opted_out, already, held_out, archived}.

    ``shown``: SQL condition on a member ``m`` (of the member table) of segment ``s``: the
    members the push may send (those the pushing user may read, say); the others are neither
    pushed nor counted (None: every member). Archived members (a static segment keeps
    them, to come back if unarchived) are not pushed, as Odoo's own mailings leave archived
    contacts out, and counted as such (``archived``), or as held out. Members in
    their segment's holdout group (``held_out``) are not targeted; ``holdout`` previews
    another share than the segments' own. ``count_leaving=False``: ``to_remove`` is not
    counted (None), for a sync that removes them right after and counts what it removed."""
    target = SQL.identifier(TARGET_TABLE)
    shown_member = shown if shown is not None else SQL("TRUE")

    def segment_members(held):
        return SQL(
            """SELECT m.partner_id FROM res_partner_segment_member m
                 JOIN res_partner_segment s ON s.id = m.segment_id
                WHERE m.segment_id = ANY(%s) AND %s AND %s %s""",
            list(segment_ids),
            shown_member,
            SQL("") if held else SQL("NOT"),
            held_out(holdout),
        )

    members = segment_members(held=False)
    held_out_count = 0
    if holdout_share(cr, segment_ids, holdout):
        cr.execute(SQL("SELECT count(*) FROM (%s EXCEPT %s) t", segment_members(held=True), members))
        held_out_count = cr.fetchone()[0]
    create_temp_table(
        cr,
        TARGET_TABLE,
        SQL(
            """
        WITH opted_out AS (              -- the list's opt-outs on the other channel
            SELECT DISTINCT c.%(other_key)s AS other
              FROM mailing_subscription s JOIN mailing_contact c ON c.id = s.contact_id
             WHERE s.list_id = %(list)s AND s.opt_out AND c.%(other_key)s IS NOT NULL
        ), addresses AS MATERIALIZED ( -- one row per normalized address, its first active partner
            SELECT key, value, name, country_id, other, other_opted_out FROM (
                SELECT DISTINCT ON (p.%(key)s)
                       p.%(key)s AS key, p.%(partner_value)s AS value, p.name, p.country_id,
                       p.%(other_key)s AS other, p.active,
                       -- any partner with this address (archived ones too) opted out of the
                       -- list on the other channel: an email opt-out keeps the number out, a
                       -- STOP by SMS the email
                       bool_or(coalesce(p.%(other_key)s IN (SELECT other FROM opted_out), false))
                           OVER (PARTITION BY p.%(key)s) AS other_opted_out
                  FROM res_partner p
                 WHERE p.%(key)s IS NOT NULL AND p.id IN (%(members)s)
                 ORDER BY p.%(key)s, NOT p.active, p.id
            ) first WHERE first.active
        ), contacts AS (                 -- the mailing contact to reuse for each address:
            SELECT a.key, min(c.id) AS contact_id  -- none with another address on the other channel
              FROM addresses a JOIN mailing_contact c ON c.%(key)s = a.key
             WHERE c.%(other_key)s IS NULL OR c.%(other_key)s = a.other
             GROUP BY a.key
        ), listed AS (                   -- per address already in the list: subscribed / opted out
            SELECT c.%(key)s AS key, bool_or(NOT coalesce(s.opt_out, false)) AS subscribed,
                   bool_or(coalesce(s.opt_out, false)) AS opted_out,
                   -- pushed before without all of these segments (step 3 of ``apply``)
                   bool_or(s.segment_sync AND NOT coalesce(s.opt_out, false)
                           AND NOT s.segment_sync_origins @> %(segments)s::int[]) AS unlisted_origins
              FROM mailing_subscription s JOIN mailing_contact c ON c.id = s.contact_id
             WHERE s.list_id = %(list)s AND c.%(key)s IS NOT NULL
             GROUP BY c.%(key)s
        )
        SELECT a.key, a.value, a.name, a.country_id, co.contact_id, %(origins)s AS origins,
               EXISTS (SELECT 1 FROM %(blacklist)s bl
                        WHERE bl.%(blacklist_key)s = a.key AND bl.active) AS blacklisted,
               l.key IS NOT NULL AS in_list,
               coalesce(l.subscribed, false) AS subscribed,
               coalesce(l.opted_out, false) OR a.other_opted_out AS opted_out,
               coalesce(l.unlisted_origins, false) AS unlisted_origins
          FROM addresses a
          LEFT JOIN contacts co ON co.key = a.key
          LEFT JOIN listed l ON l.key = a.key
        """,
            members=members,
            list=list_id,
            segments=list(segment_ids),
            # the segments that target each address (one segment: that one, for every address)
            origins=SQL("ARRAY[%s]::int[]", segment_ids[0]) if len(segment_ids) == 1 else SQL("NULL::int[]"),
            **columns(channel),
        ),
    )
    cr.execute(SQL("CREATE UNIQUE INDEX ON %s (key)", target))
    if len(segment_ids) > 1:
        cr.execute(
            SQL(
                """UPDATE %(target)s t SET origins = o.origins
                     FROM (SELECT p.%(key)s AS key, array_agg(DISTINCT m.segment_id) AS origins
                             FROM res_partner_segment_member m
                             JOIN res_partner_segment s ON s.id = m.segment_id
                             JOIN res_partner p ON p.id = m.partner_id
                            WHERE m.segment_id = ANY(%(segments)s) AND p.%(key)s IS NOT NULL AND %(shown)s
                              AND NOT %(held_out)s
                            GROUP BY p.%(key)s) o
                    WHERE o.key = t.key""",
                target=target,
                key=SQL.identifier(channel.key),
                segments=list(segment_ids),
                shown=shown_member,
                held_out=held_out(holdout),
            )
        )
    cr.execute(SQL("ANALYZE %s", target))
    cr.execute(
        SQL(
            """
        SELECT count(*) FILTER (WHERE NOT blacklisted AND NOT in_list AND NOT opted_out),
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
        SQL(
            """SELECT count(*) FILTER (WHERE p.active), count(*) FILTER (WHERE NOT p.active)
                 FROM res_partner p WHERE (p.%s IS NULL OR NOT p.active) AND p.id IN (%s)""",
            SQL.identifier(channel.key),
            members,
        )
    )
    no_address, archived = cr.fetchone()
    to_remove = None
    if count_leaving:
        cr.execute(
            SQL(
                """
            SELECT count(*) FROM mailing_subscription s JOIN mailing_contact c ON c.id = s.contact_id
             WHERE %s
            """,
                leaving(list_id, channel, segment_ids),
            )
        )
        to_remove = cr.fetchone()[0]
    return {
        "to_add": to_add,
        "to_remove": to_remove,
        "no_address": no_address,
        "blacklisted": blacklisted,
        "opted_out": opted_out,
        "already": already,
        "held_out": held_out_count,
        "archived": archived,
    }


def holdout_share(cr, segment_ids, holdout=None):
    """The largest holdout share a push of ``segment_ids`` applies: ``holdout`` if given
    (a share being previewed), else the segments' own. 0: no member is held out."""
    if holdout is not None:
        return holdout
    cr.execute(
        SQL(
            "SELECT coalesce(max(holdout_percent), 0) FROM res_partner_segment WHERE id = ANY(%s)",
            list(segment_ids),
        )
    )
    return cr.fetchone()[0]


def leaving(list_id, channel, segment_ids):
    """The subscriptions ``s`` (of contact ``c``) that a sync of ``segment_ids`` removes
    from the list: those pushes of these segments created on ``channel``, and no other
    segment's (``segment_sync_origins``: the segments that targeted the address), whose
    address is no longer targeted. Never an opt-out, a contact added by hand or by import,
    one another segment's push also targeted (another user's campaign, maybe of another
    company), nor one of the other channel (a list may hold emails and numbers, each kept
    by its own channel's sync)."""
    return SQL(
        """s.list_id = %s AND s.segment_sync AND coalesce(s.segment_sync_channel, 'email') = %s
           AND s.segment_sync_origins <@ %s::int[] AND NOT coalesce(s.opt_out, false)
           AND NOT EXISTS (SELECT 1 FROM %s t WHERE t.key = %s)""",
        list_id,
        channel.name,
        list(segment_ids),
        SQL.identifier(TARGET_TABLE),
        SQL.identifier("c", channel.key),
    )


def columns(channel):
    """The channel's column and table names, as SQL identifiers for ``SQL`` arguments."""
    return {name: SQL.identifier(value) for name, value in vars(channel).items() if name != "name"}


@with_local_settings(**SYNC_SETTINGS)
def apply(cr, list_id, mode, uid, segment_ids, channel=EMAIL):
    """Apply the plan in the work table to the list; return (added, removed). Each
    subscription it creates, or finds made by an earlier push, records the segments of
    ``segment_ids`` that target its address: a later sync removes it only if that sync's
    segments hold all of them."""
    target = SQL.identifier(TARGET_TABLE)
    now = SQL("(now() at time zone 'utc')")
    # 1. a mailing contact for each address to subscribe that has none yet (reuse otherwise)
    cr.execute(
        SQL(
            """
        WITH created AS (
            INSERT INTO mailing_contact (name, %(contact_value)s, %(key)s, country_id,
                                         message_bounce, create_uid, create_date, write_uid,
                                         write_date)
            SELECT t.name, t.value, t.key, t.country_id, 0,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM %(target)s t
             WHERE NOT t.blacklisted AND NOT t.in_list AND NOT t.opted_out AND t.contact_id IS NULL
            RETURNING id, %(key)s AS key
        )
        UPDATE %(target)s t SET contact_id = c.id
          FROM created c WHERE c.key = t.key
        """,
            target=target,
            uid=uid,
            now=now,
            **columns(channel),
        )
    )
    analyze_if_large(cr, "mailing_contact", cr.rowcount)
    # 2. subscribe addresses with no subscription at all in the list (opted-out ones stay out)
    cr.execute(
        SQL(
            """
        INSERT INTO mailing_subscription (contact_id, list_id, opt_out, segment_sync, segment_sync_channel,
                                          segment_sync_origins, create_uid, create_date, write_uid, write_date)
        SELECT t.contact_id, %(list)s, false, true, %(channel)s, t.origins, %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM %(target)s t
         WHERE NOT t.blacklisted AND NOT t.in_list AND NOT t.opted_out
         ORDER BY t.contact_id
        ON CONFLICT (contact_id, list_id) DO NOTHING
        """,
            target=target,
            list=list_id,
            channel=channel.name,
            uid=uid,
            now=now,
        )
    )
    added = cr.rowcount
    analyze_if_large(cr, "mailing_subscription", added)
    # 3. an address an earlier push subscribed, targeted again: these segments hold it too
    # (whatever the channel that subscribed it: a sync of that channel must keep it for them)
    cr.execute(
        SQL(
            """
        UPDATE mailing_subscription s
           SET segment_sync_origins = ARRAY(SELECT DISTINCT unnest(s.segment_sync_origins || t.origins) ORDER BY 1)
          FROM mailing_contact c, %(target)s t
         WHERE t.unlisted_origins AND s.list_id = %(list)s AND c.id = s.contact_id AND c.%(key)s = t.key
           AND s.segment_sync AND s.segment_sync_origins IS NOT NULL AND NOT s.segment_sync_origins @> t.origins
        """,
            target=target,
            list=list_id,
            key=SQL.identifier(channel.key),
        )
    )
    removed = 0
    if mode == "sync":
        # 4. only what pushes of these segments created, never an opt-out
        cr.execute(
            SQL(
                """
            DELETE FROM mailing_subscription s USING mailing_contact c
             WHERE c.id = s.contact_id AND %s
            """,
                leaving(list_id, channel, segment_ids),
            )
        )
        removed = cr.rowcount
    drop_temp_tables(cr, TARGET_TABLE)
    return added, removed


def sync_segments_to_list(cr, segment_ids, list_id, mode, uid, shown=None, channel=EMAIL):
    """Plan and apply in one go; returns the plan's figures (but ``to_remove``) with the
    applied ``added`` and ``removed``. The caller flushes the ORM before and invalidates its
    caches of mailing contacts, subscriptions and lists after."""
    figures = plan(cr, segment_ids, list_id, shown, channel=channel, count_leaving=False)
    figures["added"], figures["removed"] = apply(cr, list_id, mode, uid, segment_ids, channel)
    return figures
