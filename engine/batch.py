"""Helpers for long runs: commit per batch, but never under tests or while modules load;
refresh planner statistics after bulk writes."""

import functools
import threading
from contextlib import contextmanager

from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo.tools import SQL

# A bulk write of at least this many rows refreshes the table's planner statistics: the next
# statement (often seconds later, before autovacuum) plans from them. Measured on 160,000
# emails: with the statistics of an empty mailing list, an unchanged re-sync chose a nested
# loop that ran for more than five minutes.
ANALYZE_THRESHOLD = 10_000


def may_commit(env):
    """True unless running under Odoo's tests (which must never commit, as crm_team does) or
    while the registry is loading (an install computing demo data stays one transaction)."""
    return env.registry.ready and not getattr(threading.current_thread(), "testing", False)


def commit_if_allowed(env):
    """Commit the work done so far, when ``may_commit``: long runs keep their progress."""
    if may_commit(env):
        env.cr.commit()  # pylint: disable=invalid-commit


def analyze_if_large(cr, table, rows):
    """ANALYZE ``table`` when ``rows`` rows were just written to it in bulk."""
    if rows >= ANALYZE_THRESHOLD:
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))


@contextmanager
def local_settings(cr, **settings):
    """PostgreSQL ``settings`` for the statements run inside, then back to what they were
    (transaction-local: a failed statement's rollback undoes them)."""
    cr.execute(SQL("SELECT %s", SQL(", ").join(SQL("current_setting(%s)", name) for name in settings)))
    previous = dict(zip(settings, cr.fetchone(), strict=True))
    _set_config(cr, settings)
    try:
        yield
    finally:
        if cr._cnx.info.transaction_status != TRANSACTION_STATUS_INERROR:
            _set_config(cr, previous)


def with_local_settings(**settings):
    """Decorator: ``local_settings`` around a function whose first argument is the cursor."""

    def decorate(func):
        @functools.wraps(func)
        def run(cr, *args, **kwargs):
            with local_settings(cr, **settings):
                return func(cr, *args, **kwargs)

        return run

    return decorate


def _set_config(cr, settings):
    cr.execute(
        SQL("SELECT %s", SQL(", ").join(SQL("set_config(%s, %s, true)", n, str(v)) for n, v in settings.items()))
    )


def try_xact_lock(cr, key, record_id):
    """Take the transaction-level advisory lock (``key``, ``record_id``); False if another
    transaction holds it. Seen by every connection, whether or not the record's row is
    visible to it."""
    cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", key, record_id))
    return cr.fetchone()[0]


@contextmanager
def run_lock(env, key, record_id):
    """Hold the advisory lock (``key``, ``record_id``) for a run that commits on the way (a
    transaction lock would end at its first commit): a session lock, released when the run
    ends whatever happens, so that no pooled connection keeps it -- a failed transaction is
    rolled back first (as the caller would) for the release to run, and a connection that
    cannot release it is closed, which releases it. Once held, the transaction is committed:
    the run then reads what a run that held the lock before it committed. Where nothing
    commits (tests, modules loading), the transaction's lock. Yields False, holding
    nothing, when another connection holds it."""
    cr = env.cr
    if not may_commit(env):
        yield try_xact_lock(cr, key, record_id)
        return
    cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", key, record_id))
    if not cr.fetchone()[0]:
        yield False
        return
    try:
        cr.commit()  # pylint: disable=invalid-commit
        yield True
    finally:
        _release_session_lock(cr, key, record_id)


def _release_session_lock(cr, key, record_id):
    connection = cr._cnx
    released = False
    try:
        if connection.info.transaction_status == TRANSACTION_STATUS_INERROR:
            connection.rollback()  # the connection's own: no ORM hook can fail here
        with connection.cursor() as raw:
            raw.execute("SELECT pg_advisory_unlock(%s, %s)", [key, record_id])
            released = raw.fetchone()[0]
    finally:
        if not released:
            connection.close()  # the pool drops a closed connection, and its locks with it


def create_temp_table(cr, name, query):
    """(Re)create the session's temporary table ``name`` from ``query`` (``SQL``): a run
    interrupted in this session may have left it. Returns the number of rows."""
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(name)))
    cr.execute(SQL("CREATE TEMP TABLE %s AS %s", SQL.identifier(name), query))
    return cr.rowcount


def drop_temp_tables(cr, *names):
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL(", ").join(SQL.identifier(name) for name in names)))
