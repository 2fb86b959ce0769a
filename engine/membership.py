"""Replace a segment's members by a selection, in one statement (two when
PostgreSQL would read it with parallel workers).

The selection (any SQL returning partner ids, usually Odoo's own query for the segment's
domain) is evaluated once, streamed into one full join with the current members, which
tells who left (deleted) and who joined (inserted). Nothing goes through Python, and an
unchanged rebuild writes nothing to the members.
"""

from odoo.tools import SQL

MEMBER_TABLE = "res_partner_segment_member"
# temporary, within replace_members; pg_temp: never another schema's table of that name
DIFF_TABLE = SQL.identifier("pg_temp", "partner_segmentation_member_diff")


def replace_members(cr, segment_id, selection, log_events=False, uid=1):
    """Make ``segment_id``'s members exactly ``selection``; return (added, removed, count).

    With ``log_events``, who joined and who left is written to the event table in the same
    statement (callers skip it on a first build, where everyone joins).

    When PostgreSQL would read the comparison with parallel workers, it runs first as a
    ``CREATE TABLE AS`` of its own: PostgreSQL 15 gives no worker to a statement that
    writes (a ``DELETE`` or an ``INSERT``, even in a ``WITH``). At 2M partners, on 2 cores,
    the unchanged rebuild of a tag's 100,000 partners (a scan of every partner) took
    0.55-0.62 s in one statement and 0.38-0.42 s so. Only then: the temporary table holds
    its locks until the transaction ends (about five per table), and many recomputes in one
    transaction (Odoo's own test suites) ran out of the server's lock table; a comparison
    PostgreSQL reads alone would gain nothing from it, and a first build would write every
    member twice (a segment of all 1M partners: 12.2-13.0 s instead of 11.6 s). The
    recompute's ``statement_timeout`` then bounds each of the two statements.
    """
    diff = comparison_query(segment_id, selection)
    through_table = reads_in_parallel(cr, diff)
    if through_table:
        cr.execute(SQL("CREATE TEMP TABLE %s ON COMMIT DROP AS %s", DIFF_TABLE, diff))
        diff = SQL("SELECT joining, leaving FROM %s", DIFF_TABLE)
    cr.execute(replace_members_query(segment_id, diff, log_events, uid))
    added, removed, count, _events = cr.fetchone()
    if through_table:
        cr.execute(SQL("DROP TABLE %s", DIFF_TABLE))
    return added, removed, count


def reads_in_parallel(cr, query):
    """Whether PostgreSQL's plan for ``query`` gathers parallel workers (nothing is run)."""
    cr.execute(SQL("EXPLAIN %s", query))
    return any("Gather" in line for (line,) in cr.fetchall())


def comparison_query(segment_id, selection):
    """Who joins (``joining``, a partner id) and who leaves (``leaving``, a member row's
    address): one full join of the selection with the segment's current members.

    PostgreSQL runs a full join only as a hash or a merge join, never as a nested loop, so
    the cost stays linear whatever the statistics say. Anti-joins did not: for a segment
    the statistics did not know yet (built since the last ANALYZE, under the size that
    triggers one), the planner expected one member and compared every member with every
    selected partner, 20 million comparisons and 4 s for a rebuild of 6,500 members.

    The selection is not made distinct first: that hash of every selected id cost an
    unchanged rebuild of 556,000 members 0.55 s of its 5 s at 1M partners. A partner the
    selection names twice is inserted once (the DISTINCT is on who joins alone).
    """
    return SQL(
        """
        SELECT t.id AS joining, m.ctid AS leaving
          FROM (%(selection)s) t
          FULL JOIN (SELECT ctid, partner_id FROM %(table)s WHERE segment_id = %(segment)s) m
            ON m.partner_id = t.id
         WHERE t.id IS NULL OR m.partner_id IS NULL
        """,
        selection=selection,
        table=SQL.identifier(MEMBER_TABLE),
        segment=segment_id,
    )


def replace_members_query(segment_id, diff, log_events=False, uid=1):
    """The statement that deletes who left, inserts who joined, logs both and counts;
    ``diff`` is the comparison, or a read of the table it was written to.

    The count is the members before, plus who joined, less who left, all as the
    transaction's snapshot sees them (Odoo's REPEATABLE READ; a comparison written to a
    table first was read in that same snapshot). A leaving member that another transaction
    deleted meanwhile (its partner deleted) fails the statement with a serialization
    error, which the scheduler retries; under READ COMMITTED the row would be skipped and
    counted as staying.
    """
    return SQL(
        """
        WITH diff AS MATERIALIZED (%(diff)s),
        removed AS (
            -- by row address alone (a TID scan): the rows were read in this transaction's
            -- snapshot, which keeps their addresses. A condition on segment_id here would
            -- let the planner scan the segment's members instead, testing each against
            -- the whole array of leaving rows.
            DELETE FROM %(table)s m
             WHERE m.ctid = ANY (ARRAY(SELECT leaving FROM diff WHERE leaving IS NOT NULL))
            RETURNING m.partner_id
        ),
        added AS (
            INSERT INTO %(table)s (segment_id, partner_id)
            SELECT DISTINCT %(segment)s, joining FROM diff WHERE joining IS NOT NULL
             ORDER BY 2  -- in key order: less index and foreign-key work
            -- no ON CONFLICT: the full join already leaves members out, and speculative
            -- insertion cost 0.7 s per 166,000 rows
            RETURNING partner_id
        ),
        events AS (
            INSERT INTO res_partner_segment_event (segment_id, partner_id, kind, date,
                                                   create_uid, create_date, write_uid, write_date)
            SELECT %(segment)s, e.partner_id, e.kind, now() at time zone 'utc',
                   %(uid)s, now() at time zone 'utc', %(uid)s, now() at time zone 'utc'
              FROM (SELECT partner_id, 'joined' AS kind FROM added
                    UNION ALL SELECT partner_id, 'left' FROM removed) e
             WHERE %(log)s
            RETURNING 1
        ),
        counts AS (
            -- the member table as this statement's snapshot sees it: before the changes
            SELECT (SELECT count(*) FROM added) AS added, (SELECT count(*) FROM removed) AS removed,
                   (SELECT count(*) FROM %(table)s WHERE segment_id = %(segment)s) AS before
        )
        SELECT added, removed, before + added - removed, (SELECT count(*) FROM events) FROM counts
        """,
        diff=diff,
        table=SQL.identifier(MEMBER_TABLE),
        segment=segment_id,
        log=bool(log_events),
        uid=uid,
    )


def add_members(cr, segment_id, selection):
    """Add ``selection`` to a segment (static fill); return how many were new."""
    cr.execute(
        SQL(
            """
        INSERT INTO %(table)s (segment_id, partner_id)
        SELECT %(segment)s, t.id FROM (%(selection)s) t ORDER BY t.id
        ON CONFLICT DO NOTHING
        """,
            table=SQL.identifier(MEMBER_TABLE),
            segment=segment_id,
            selection=selection,
        )
    )
    return cr.rowcount


def members_of(segment_id, visible=None):
    """SQL selecting (as ``id``) the members of a segment; with ``visible`` (SQL selecting
    partner ids), only those among them."""
    return SQL(
        "SELECT m.partner_id AS id FROM %s m WHERE m.segment_id = %s AND (%s)",
        SQL.identifier(MEMBER_TABLE),
        segment_id,
        SQL("m.partner_id IN (%s)", visible) if visible is not None else SQL("TRUE"),
    )


def remove_members(cr, segment_id, selection):
    """Remove ``selection`` from a segment (static edit); return how many were members."""
    cr.execute(
        SQL(
            """
        DELETE FROM %(table)s m USING (%(selection)s) t
         WHERE m.segment_id = %(segment)s AND m.partner_id = t.id
        """,
            table=SQL.identifier(MEMBER_TABLE),
            segment=segment_id,
            selection=selection,
        )
    )
    return cr.rowcount


def count_members(cr, segment_ids, visible=None):
    """{segment_id: member count} for these segments, in one grouped query; with
    ``visible`` (SQL selecting partner ids), only the members among them. Archived
    partners are not counted: a static segment keeps them (to come back if unarchived), but
    no list shows them, as Odoo's lists leave archived records out, and no push sends them."""
    if not segment_ids:
        return {}
    cr.execute(
        SQL(
            """SELECT m.segment_id, count(*) FROM %s m JOIN res_partner p ON p.id = m.partner_id
                WHERE m.segment_id IN %s AND p.active AND %s GROUP BY m.segment_id""",
            SQL.identifier(MEMBER_TABLE),
            tuple(segment_ids),
            SQL("m.partner_id IN (%s)", visible) if visible is not None else SQL("TRUE"),
        )
    )
    counts = dict(cr.fetchall())
    return {sid: counts.get(sid, 0) for sid in segment_ids}


def selection_with_pins(domain_query, segment_id, has_includes, has_excludes):
    """The domain's partners, plus pinned ones (those not archived: the domain's are not
    either), less excluded ones."""
    selection = domain_query
    if has_excludes:
        selection = SQL(
            """SELECT d.id FROM (%s) d WHERE NOT EXISTS (
                   SELECT 1 FROM res_partner_segment_exclude e
                    WHERE e.segment_id = %s AND e.partner_id = d.id)""",
            selection,
            segment_id,
        )
    if has_includes:
        selection = SQL(
            """%s UNION SELECT i.partner_id FROM res_partner_segment_include i
                JOIN res_partner p ON p.id = i.partner_id
               WHERE i.segment_id = %s AND p.active""",
            selection,
            segment_id,
        )
    return selection


def delete_events_before(cr, days):
    """Forget segment entries and exits older than ``days`` days; returns how many."""
    cr.execute(
        SQL(
            "DELETE FROM res_partner_segment_event WHERE date < now() at time zone 'utc' - %s * interval '1 day'",
            days,
        )
    )
    return cr.rowcount


def estimated_rows(cr, selection):
    """How many rows PostgreSQL's planner expects ``selection`` to return (nothing is run)."""
    cr.execute(SQL("EXPLAIN (FORMAT JSON) %s", selection))
    return cr.fetchone()[0][0]["Plan"]["Plan Rows"]
