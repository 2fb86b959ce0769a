"""Customer lifecycle of one company, computed inside PostgreSQL.

``collect_purchases`` aggregates every customer's confirmed orders once into a temporary
table (a daily run: ``collect_changed``, the changed customers' only); the purchase cycle X
(``purchase_cycle``) and the RFM thresholds (``todays_rfm_thresholds``) are counted from
it; ``compute_stages`` joins it to the customers' interest into a work table in one pass;
``apply_batch`` writes what changed for a range of partners (stage changes become
transitions, unchanged rows are not touched); ``write_snapshot`` stores the day's counts.
Everything is set-based: nothing here is proportional to the number of partners in Python.
"""

from datetime import date
from typing import NamedTuple

from odoo.tools import SQL

from . import rfm
from .batch import create_temp_table, drop_temp_tables, local_settings
from .figures import STORED_FIGURES as FIGURES
from .figures import STORED_WINDOW_START, day_start

STAGES = [
    ("lead", "Lead"),
    ("new", "New"),
    ("active", "Active"),
    ("onetime", "One-time"),
    ("active_churn", "Active, churn risk"),
    ("churn", "Churn"),
    ("dormant", "Dormant"),
    ("lost", "Lost"),
]


# what a lifecycle row holds besides its stage: the stored figures and the RFM scores
COLUMNS = (*(f.name for f in FIGURES), *rfm.COLUMNS)


def _figure_columns(alias=None):
    """The row's figure and score columns, comma-separated, each prefixed by ``alias``."""
    return SQL(", ").join(SQL.identifier(*filter(None, (alias, column))) for column in COLUMNS)


WORK_TABLE = "partner_lifecycle_work"
# the customers a daily run recomputes from their orders, and the queue entries it takes
CHANGED_TABLE = "partner_lifecycle_changed"
# their contacts (id, commercial_partner_id), whose orders and opportunities are theirs
CONTACTS_TABLE = "partner_lifecycle_contacts"
# the run's customers' purchase figures (a daily run: the changed customers'), aggregated
# once for the purchase cycle, the RFM thresholds and the stages
PURCHASES_TABLE = "partner_lifecycle_purchases"
TAKEN_TABLE = "partner_lifecycle_taken"
# what the purchases table holds (company, day, kind of run), for this transaction only
COLLECTED_SETTING = "partner_segmentation.lifecycle_collected"
REFRESH_TABLE = "partner_lifecycle_refresh"  # the rows a daily run looks at again
# a daily run refreshes the planner statistics itself only after this many rows changed;
# the usual few thousand are left to autovacuum (its ANALYZE follows 10 % of the table)
DAILY_ANALYZE_ROWS = 100_000
# the changed customers a daily run excludes from the stored rows with a hashed list (far
# below what the run's work_mem holds); beyond, with an anti-join
HASHED_LIST_ROWS = 500_000
MIN_GAPS = 10
MIN_ORDERS = 10


def purchase_cycle(cr, company_id, mode, changed_only=False):
    """(mean days, sample size) of the company's purchase cycle for ``mode``, after
    ``collect_purchases`` (or ``collect_changed``, ``changed_only``) of the run.

    ``interval``: the mean gap in whole days between two consecutive purchases of the same
    customer (commercial entity), pooled over every such pair. A customer's gaps add up to
    its last purchase day minus its first, and there are (purchases - 1) of them: the pooled
    mean is sum(last - first) / sum(purchases - 1) over the customers' figures
    (``_customers_today``), without sorting every order. ``deal``: the mean number of days
    from a confirmed order's creation (the quotation) to its confirmation date.
    """
    if mode == "interval":
        cr.execute(
            SQL(
                "SELECT sum(span)::numeric / nullif(sum(gaps), 0), coalesce(sum(gaps), 0) FROM (%s) customers",
                _customers_today(
                    cr,
                    company_id,
                    SQL("o.last_purchase_date - o.first_purchase_date AS span, o.purchase_count - 1 AS gaps"),
                    changed_only,
                ),
            )
        )
    else:
        cr.execute(
            SQL(
                """
            SELECT avg(EXTRACT(EPOCH FROM so.date_order - so.create_date) / 86400.0), count(*)
              FROM sale_order so
             WHERE so.company_id = %s AND so.state = 'sale' AND so.date_order >= so.create_date
            """,
                company_id,
            )
        )
    mean, size = cr.fetchone()
    return (float(mean) if mean is not None else None), size


class Rules(NamedTuple):
    """What a stage is decided by, besides the customer's purchases."""

    today: date
    cycle_days: int  # the company's purchase cycle X
    new_factor: float
    churn_factor: float
    dormant_factor: float
    active_count: int


def stage_case(purchase_count, last_purchase_date, has_open, rules):
    """SQL: the stage of a customer from its number of purchases (NULL or 0: none), its last
    purchase day and, without purchase, whether it has open interest (``rules``: Rules)."""
    return SQL(
        """CASE
             WHEN coalesce(%(count)s, 0) = 0 THEN CASE WHEN %(has_open)s THEN 'lead' ELSE 'lost' END
             WHEN %(count)s < %(active_count)s THEN
               CASE WHEN %(today)s - %(last)s <= %(x)s * %(new_f)s THEN 'new' ELSE 'onetime' END
             WHEN %(today)s - %(last)s <= %(x)s * %(new_f)s THEN 'active'
             WHEN %(today)s - %(last)s <= %(x)s * %(churn_f)s THEN 'active_churn'
             WHEN %(today)s - %(last)s <= %(x)s * %(dormant_f)s THEN 'churn'
             ELSE 'dormant'
           END::varchar""",
        count=purchase_count,
        last=last_purchase_date,
        has_open=has_open,
        **_rule_params(rules),
    )


def _rule_params(rules):
    """The SQL parameters of ``rules`` the stage queries name: today, x (the cycle), the
    three factors and active_count."""
    return {
        "today": rules.today,
        "x": rules.cycle_days,
        "new_f": rules.new_factor,
        "churn_f": rules.churn_factor,
        "dormant_f": rules.dormant_factor,
        "active_count": rules.active_count,
    }


def _index_by_partner(cr, table, column="partner_id"):
    """A work table's unique index on its partner ids (``column``), and its planner statistics."""
    cr.execute(SQL("CREATE UNIQUE INDEX ON %s (%s)", SQL.identifier(table), SQL.identifier(column)))
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))


def _plan_for_a_run(cr):
    """This transaction's planner settings for a lifecycle run. PostgreSQL misjudges the
    full join of purchases and interest by three orders of magnitude, and would spend 40 s
    compiling the one-pass query with JIT; the grouping of the orders by customer, and the
    customers' measures the RFM thresholds are counted over, spill to disk with the
    default 4 MB. Set by ``collect_purchases`` and ``collect_changed``, which start a run."""
    cr.execute("SET LOCAL jit = off")
    cr.execute("SET LOCAL work_mem = '64MB'")


def _few_looked_up(cr):
    """For the statements of a daily run that look its few thousand changed customers up
    among millions of rows: PostgreSQL's default random_page_cost (4, a spinning disk's)
    prices 10,000 index lookups above reading every order (the orders of 7,500 customers
    at 1M: 0.5-0.8 s read in full, 0.2-0.3 s looked up); at 1.1 (an SSD's, or pages in
    cache) the planner still reads everything when the changed customers are many."""
    return local_settings(cr, random_page_cost="1.1")


def purchases_query(company_id, today, contacts, tz="UTC"):
    """SQL: (partner_id, stored figures) of each customer with a confirmed order of the
    company, from the orders of ``contacts`` (a table of contacts: id, commercial_partner_id).
    Orders are dated, and ``today`` is, in the company's time zone ``tz``.

    Purchases: confirmed orders (``state = 'sale'``) of the company, dated by ``date_order``,
    amounts untaxed and converted to the company currency (``amount_untaxed / currency_rate``,
    an order without rate counts as already in company currency, one without amount as 0)."""
    return SQL(
        """SELECT p.commercial_partner_id AS partner_id, %(aggregates)s
             FROM sale_order so JOIN %(contacts)s p ON p.id = so.partner_id
            WHERE so.company_id = %(company)s AND so.state = 'sale'
            GROUP BY p.commercial_partner_id""",
        # the stored figures do not use the cycle X: they can be aggregated before it is known
        aggregates=SQL(", ").join(
            SQL("%s AS %s", SQL(f.aggregate, today=today, tz=tz), SQL.identifier(f.name)) for f in FIGURES
        ),
        contacts=contacts,
        company=company_id,
    )


def _fill_purchases(cr, company_id, today, contacts, changed_only, tz):
    """The purchases table of a run: ``purchases_query`` of ``contacts``, analyzed, and
    what it holds noted for this transaction (``_check_collected``)."""
    create_temp_table(cr, PURCHASES_TABLE, purchases_query(company_id, today, contacts, tz))
    cr.execute(SQL("ANALYZE %s", SQL.identifier(PURCHASES_TABLE)))
    cr.execute(
        SQL("SELECT set_config(%s, %s, true)", COLLECTED_SETTING, _collected(company_id, today, changed_only))
    )


def _collected(company_id, today, changed_only):
    return f"{company_id} {today} {'daily' if changed_only else 'full'}"


def _check_collected(cr, company_id, today, changed_only):
    """Refuse to compute from purchases collected for another company, day or kind of run,
    or in another transaction (a temporary table outlives a failed run's transaction)."""
    cr.execute(SQL("SELECT current_setting(%s, true)", COLLECTED_SETTING))
    if cr.fetchone()[0] != _collected(company_id, today, changed_only):
        raise ValueError(
            f"collect the purchases of company {company_id} for {today} in this transaction first"
            " (collect_purchases, or collect_changed for a daily run)"
        )


def collect_purchases(cr, company_id, today, tz="UTC"):
    """The start of a full run of ``today``: take the company's queue entries (it
    recomputes everyone; a change queued later waits for the next run), and aggregate every
    customer's purchase figures once, for the purchase cycle, the RFM thresholds and the
    stages (``purchases_query``)."""
    _plan_for_a_run(cr)
    take_pending(cr, company_id)
    _fill_purchases(cr, company_id, today, SQL("res_partner"), changed_only=False, tz=tz)


def compute_stages(cr, company_id, rules, limits, changed_only=False):
    """Fill the work table with (partner_id, metrics, stage, RFM scores) for every
    commercial partner that has any commercial history with the company, from the purchases
    of ``collect_purchases`` (``changed_only``: of the changed customers of
    ``collect_changed``), staged by ``rules`` (``Rules``) and scored against ``limits``
    (``todays_rfm_thresholds``). Returns the number of rows.

    Purchases: see ``purchases_query``. Interest: an active
    opportunity or lead that is not won, or a draft/sent quotation, is open; an archived
    opportunity (Odoo's "lost") or a cancelled quotation is lost interest; a won opportunity
    is neither (the order it led to is what counts)."""
    # who a contact's opportunities and quotations belong to: every contact, or only the
    # changed customers' (the same columns; a join to all of res_partner would hash a
    # million rows). Their quotations are looked up contact by contact (OFFSET 0: not
    # flattened into a join), not read among all the company's (328,000 at 1M: 0.33 s).
    if changed_only:
        contacts = SQL.identifier(CONTACTS_TABLE)
        their_leads = SQL("AND l.partner_id IN (SELECT id FROM %s)", contacts)
        quotations = SQL(
            "%s c CROSS JOIN LATERAL (SELECT so.partner_id, so.company_id, so.state FROM sale_order so"
            " WHERE so.partner_id = c.id OFFSET 0) so",
            contacts,
        )
    else:
        contacts = SQL("res_partner")
        their_leads, quotations = SQL(), SQL("sale_order so")

    create_temp_table(
        cr,
        WORK_TABLE,
        SQL(
            """
        WITH interest AS (
            SELECT p.commercial_partner_id AS partner_id, bool_or(i.is_open) AS has_open
              FROM (
                SELECT l.partner_id, l.active AS is_open
                  FROM crm_lead l LEFT JOIN crm_stage st ON st.id = l.stage_id
                 WHERE l.company_id = %(company)s AND l.partner_id IS NOT NULL
                   AND NOT (l.active AND coalesce(st.is_won, false)) %(their_leads)s
                UNION ALL
                SELECT so.partner_id, so.state IN ('draft', 'sent')
                  FROM %(quotations)s
                 WHERE so.company_id = %(company)s AND so.state IN ('draft', 'sent', 'cancel')
              ) i JOIN %(contacts)s p ON p.id = i.partner_id
             GROUP BY p.commercial_partner_id
        )
        SELECT scored.*, %(rfm_segment)s FROM (
        -- OFFSET 0: computed once per row, not copied into the segment's CASE for each cell
        SELECT coalesce(pu.partner_id, i.partner_id) AS partner_id, %(figures)s, %(rfm_scores)s,
               %(stage)s AS stage,
               -- since when, estimated from the purchase history (for a first computation)
               CASE
                 WHEN pu.purchase_count IS NULL THEN %(today)s
                 WHEN pu.purchase_count < %(active_count)s THEN
                   CASE WHEN %(today)s - pu.last_purchase_date <= %(x)s * %(new_f)s
                        THEN pu.first_purchase_date
                        ELSE pu.last_purchase_date + floor(%(x)s * %(new_f)s)::int + 1 END
                 WHEN %(today)s - pu.last_purchase_date <= %(x)s * %(new_f)s THEN pu.last_purchase_date
                 WHEN %(today)s - pu.last_purchase_date <= %(x)s * %(churn_f)s
                   THEN pu.last_purchase_date + floor(%(x)s * %(new_f)s)::int + 1
                 WHEN %(today)s - pu.last_purchase_date <= %(x)s * %(dormant_f)s
                   THEN pu.last_purchase_date + floor(%(x)s * %(churn_f)s)::int + 1
                 ELSE pu.last_purchase_date + floor(%(x)s * %(dormant_f)s)::int + 1
               END AS stage_start
          FROM %(purchases)s pu FULL JOIN interest i ON i.partner_id = pu.partner_id CROSS JOIN %(limits)s
        OFFSET 0) scored
        ORDER BY partner_id  -- in id order: each range of apply_batch is read in one sweep
        """,
            limits=rfm.limits_row(limits),
            their_leads=their_leads,
            quotations=quotations,
            rfm_scores=rfm.score_columns("pu", "rfm_limits"),
            rfm_segment=rfm.segment_column("scored"),
            stage=stage_case(SQL("pu.purchase_count"), SQL("pu.last_purchase_date"), SQL("i.has_open"), rules),
            purchases=SQL.identifier(PURCHASES_TABLE),
            figures=SQL(", ").join(
                SQL("coalesce(pu.%s, %s) AS %s", SQL.identifier(f.name), f.empty, SQL.identifier(f.name))
                if f.empty is not None
                else SQL("pu.%s", SQL.identifier(f.name))
                for f in FIGURES
            ),
            contacts=contacts,
            company=company_id,
            **_rule_params(rules),
        ),
    )
    rows = cr.rowcount
    _index_by_partner(cr, WORK_TABLE)
    return rows


def partner_id_bounds(cr, company_id):
    """(min, max) partner id over the work table and the company's stored rows."""
    cr.execute(
        SQL(
            """SELECT min(m), max(x) FROM (
               SELECT min(partner_id) m, max(partner_id) x FROM %s
               UNION ALL
               SELECT min(partner_id), max(partner_id) FROM res_partner_lifecycle
                WHERE company_id = %s) b""",
            SQL.identifier(WORK_TABLE),
            company_id,
        )
    )
    return cr.fetchone()


def apply_batch(cr, company_id, today, low, high, entries=True, changed_only=False):
    """Write the work table's result for partner ids in [low, high): transitions for stage
    changes, then update changed rows, insert new ones, delete vanished ones (a range where
    the company has no stored row yet is only inserted). ``entries``:
    whether a customer's first stage is a transition too (an *initial* one); not on a
    company's first computation, where every customer enters and its row already holds
    the stage and since when. ``changed_only``: the work table holds the changed customers
    of ``collect_changed`` only; other rows are left alone. Returns (transitions, updated,
    inserted, deleted)."""
    work = SQL.identifier(WORK_TABLE)

    def in_batch(alias, stored):
        """The batch's partner ids, of the work table or of the ``stored`` rows. A daily run
        has one batch, its changed customers, looked up through the unique index (a range
        condition would have the planner scan every row)."""
        column = SQL.identifier(alias, "partner_id")
        if not changed_only:
            return SQL("%s >= %s AND %s < %s", column, low, column, high)
        if not stored:
            return SQL("TRUE")
        return SQL("%s IN (SELECT partner_id FROM %s)", column, SQL.identifier(CHANGED_TABLE))

    args = {
        "work": work,
        "company": company_id,
        "today": today,
        "work_batch": in_batch("n", False),
        "stored_batch": in_batch("o", True),
    }
    # a range without a stored row (a company's first run): nothing to update, compare or
    # delete; each of those statements would look every partner of the range up, for
    # nothing (6 s of a first run at 2M partners, growing 3x per doubling)
    cr.execute(
        SQL(
            "SELECT EXISTS(SELECT 1 FROM res_partner_lifecycle o"
            " WHERE o.company_id = %(company)s AND %(stored_batch)s)",
            **args,
        )
    )
    stored = cr.fetchone()[0]
    new_rows = SQL(
        """
        INSERT INTO res_partner_lifecycle (partner_id, company_id, stage, stage_since, %(figures)s)
        SELECT n.partner_id, %(company)s, n.stage, least(n.stage_start, %(today)s), %(new_figures)s
          FROM %(work)s n
         WHERE %(work_batch)s""",
        figures=_figure_columns(),
        new_figures=_figure_columns("n"),
        **args,
    )
    transitions = 0
    if stored or entries:  # else a first run's range: no first-stage transition to write
        cr.execute(
            SQL(
                """
        INSERT INTO res_partner_lifecycle_transition
               (partner_id, company_id, from_stage, to_stage, date, initial)
        SELECT coalesce(n.partner_id, o.partner_id), %(company)s, o.stage, n.stage, %(today)s,
               o.partner_id IS NULL
          FROM (SELECT * FROM %(work)s n WHERE %(work_batch)s) n
          FULL JOIN (SELECT o.partner_id, o.stage FROM res_partner_lifecycle o
                      WHERE o.company_id = %(company)s AND %(stored_batch)s) o
            ON o.partner_id = n.partner_id
         WHERE o.stage IS DISTINCT FROM n.stage AND (o.partner_id IS NOT NULL OR %(entries)s)
         ORDER BY 1  -- in key order: less index and foreign-key work
        """,
                entries=entries,
                **args,
            )
        )
        transitions = cr.rowcount
    if not stored:
        cr.execute(SQL("%s ORDER BY n.partner_id", new_rows))
        return transitions, 0, cr.rowcount, 0
    cr.execute(
        SQL(
            """
        UPDATE res_partner_lifecycle o
           SET stage = n.stage,
               stage_since = CASE WHEN o.stage IS DISTINCT FROM n.stage
                                  THEN %(today)s ELSE o.stage_since END,
               (%(figures)s) = ROW(%(new_figures)s)
          FROM %(work)s n
         WHERE o.company_id = %(company)s AND o.partner_id = n.partner_id AND %(work_batch)s
           AND (o.stage, %(old_figures)s) IS DISTINCT FROM (n.stage, %(new_figures)s)
        """,
            figures=_figure_columns(),
            old_figures=_figure_columns("o"),
            new_figures=_figure_columns("n"),
            **args,
        )
    )
    updated = cr.rowcount
    cr.execute(
        SQL(
            """%(new_rows)s
           AND NOT EXISTS (SELECT 1 FROM res_partner_lifecycle o
                            WHERE o.company_id = %(company)s AND o.partner_id = n.partner_id)
         ORDER BY n.partner_id""",
            new_rows=new_rows,
            **args,
        )
    )
    inserted = cr.rowcount
    cr.execute(
        SQL(
            """
        DELETE FROM res_partner_lifecycle o
         WHERE o.company_id = %(company)s AND %(stored_batch)s
           AND NOT EXISTS (SELECT 1 FROM %(work)s n WHERE n.partner_id = o.partner_id)
        """,
            **args,
        )
    )
    return transitions, updated, inserted, cr.rowcount


# ---- the daily run: what changed since the last run, then every row from what it holds ----

PENDING_TABLE = "res_partner_lifecycle_pending"


def mark(cr, pairs):
    """Queue (commercial partner id, company id) pairs whose orders or opportunities
    changed, for the next daily run (pairs with an empty side are left out)."""
    pairs = sorted({(partner, company) for partner, company in pairs if partner and company})
    if pairs:
        cr.execute(
            SQL(
                "INSERT INTO %s (partner_id, company_id) SELECT * FROM unnest(%s::int[], %s::int[])",
                SQL.identifier(PENDING_TABLE),
                [partner for partner, _company in pairs],
                [company for _partner, company in pairs],
            )
        )


def mark_everywhere(cr, partner_ids):
    """Queue commercial partners for every company (their contacts moved between them)."""
    cr.execute(
        SQL(
            "INSERT INTO %s (partner_id, company_id) SELECT p, c.id FROM unnest(%s::int[]) p, res_company c",
            SQL.identifier(PENDING_TABLE),
            sorted(set(filter(None, partner_ids))),
        )
    )


def collect_changed(cr, company_id, today, since, tz="UTC"):
    """Fill the changed-customers table for a daily run of ``today`` after a run of ``since``:
    the customers queued for the company (the queue entries are taken, and removed by
    ``release_taken`` when the run is written), and those with a purchase that left the
    window of the stored 12-month figure since; their contacts, and their purchase figures
    (``purchases_query``). Returns their number."""
    _plan_for_a_run(cr)
    take_pending(cr, company_id)
    count = create_temp_table(
        cr,
        CHANGED_TABLE,
        SQL(
            """
        SELECT partner_id FROM %(taken)s
         UNION
        SELECT p.commercial_partner_id
          FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
         WHERE so.company_id = %(company)s AND so.state = 'sale'
           AND so.date_order >= %(since_start)s AND so.date_order < %(today_start)s
        """,
            taken=SQL.identifier(TAKEN_TABLE),
            company=company_id,
            # where the 12-month window began at the last run and begins today
            since_start=SQL(day_start(STORED_WINDOW_START), today=since, tz=tz),
            today_start=SQL(day_start(STORED_WINDOW_START), today=today, tz=tz),
        ),
    )
    _index_by_partner(cr, CHANGED_TABLE)
    # once, not in each query that needs them (each would scan res_partner to find them)
    with _few_looked_up(cr):
        create_temp_table(
            cr,
            CONTACTS_TABLE,
            SQL(
                "SELECT c.id, c.commercial_partner_id FROM res_partner c"
                " WHERE c.commercial_partner_id IN (SELECT partner_id FROM %s)",
                SQL.identifier(CHANGED_TABLE),
            ),
        )
        _index_by_partner(cr, CONTACTS_TABLE, "id")
        _fill_purchases(cr, company_id, today, SQL.identifier(CONTACTS_TABLE), changed_only=True, tz=tz)
    return count


def take_pending(cr, company_id):
    """Take the company's queue entries for a full run (which recomputes everyone)."""
    create_temp_table(
        cr,
        TAKEN_TABLE,
        SQL("SELECT id, partner_id FROM %s WHERE company_id = %s", SQL.identifier(PENDING_TABLE), company_id),
    )


def release_taken(cr):
    """Remove the queue entries this run took: their customers are written. Entries queued
    meanwhile stay for the next run."""
    cr.execute(
        SQL(
            "DELETE FROM %s q USING %s t WHERE q.id = t.id",
            SQL.identifier(PENDING_TABLE),
            SQL.identifier(TAKEN_TABLE),
        )
    )
    drop_temp_tables(cr, TAKEN_TABLE, CHANGED_TABLE, CONTACTS_TABLE, PURCHASES_TABLE, REFRESH_TABLE)


def _customers_today(cr, company_id, columns, changed_only=False):
    """SQL: ``columns`` (over the lifecycle row's figures, alias ``o``) of every customer who
    bought, as the run leaves them: the purchases of ``collect_purchases``; for a daily run
    (``changed_only``), the stored rows of the customers it did not find changed, and the
    purchases of those it did (``collect_changed``)."""
    purchases = SQL("SELECT %s FROM %s o", columns, SQL.identifier(PURCHASES_TABLE))
    if not changed_only:
        return purchases
    changed = SQL.identifier(CHANGED_TABLE)
    cr.execute(SQL("SELECT count(*) FROM %s", changed))
    if cr.fetchone()[0] <= HASHED_LIST_ROWS:
        # a list PostgreSQL hashes once; the anti-join is planned as a nested loop over a
        # table of a few rows (0.25 s for 600,000 stored rows, even with none changed)
        not_changed = SQL("o.partner_id NOT IN (SELECT partner_id FROM %s WHERE partner_id IS NOT NULL)", changed)
    else:  # a list too big to hash would be searched row by row: an anti-join
        not_changed = SQL("NOT EXISTS (SELECT 1 FROM %s c WHERE c.partner_id = o.partner_id)", changed)
    return SQL(
        """SELECT %(columns)s FROM res_partner_lifecycle o
            WHERE o.company_id = %(company)s AND o.purchase_count > 0 AND %(not_changed)s
            UNION ALL
           %(purchases)s""",
        columns=columns,
        company=company_id,
        not_changed=not_changed,
        purchases=purchases,
    )


def todays_rfm_thresholds(cr, company_id, changed_only=False):
    """``rfm.current_thresholds`` of the customers as the run leaves them
    (``_customers_today``), known before it writes a row: each customer is scored once."""
    measures = SQL(", ").join(SQL.identifier("o", score.measure) for score in rfm.SCORES)
    return rfm.current_thresholds(cr, _customers_today(cr, company_id, measures, changed_only))


def applied_rules(rules, limits):
    """What a run applied, kept for the next daily run (JSON): the stage rules but the day,
    and the RFM thresholds (``rfm.current_thresholds``)."""
    return {"rules": [value for name, value in rules._asdict().items() if name != "today"], "rfm": limits}


def _refresh_candidates(rules, since, applied, now):
    """SQL: the rows ``refresh_rows`` must look at, knowing what the last run (of ``since``)
    applied: those on which a stage boundary (days since the last purchase against cycle
    times factor, then and now) or the purchases that make a repeat customer decide
    differently; those whose measure lies between an RFM threshold of the last run and
    today's. Every row when nothing is known of the last run. (The changed customers' rows
    are written already, from their orders.)"""
    if not since or not applied or not applied.get("rules") or not applied.get("rfm"):
        return SQL("TRUE")
    old, new = applied["rfm"], now["rfm"]
    if any(None in (old.get(name) or [None]) or None in new[name] for name in new):
        return SQL("TRUE")
    old_cycle, *old_factors, old_active = applied["rules"]
    conditions = []  # never left empty: one per stage boundary below
    factors = (rules.new_factor, rules.churn_factor, rules.dormant_factor)
    for old_factor, factor in zip(old_factors, factors, strict=True):
        # whole days: (day - last <= bound) is (last >= day - floor(bound)), a date comparison;
        # the bound multiplied in SQL, as stage_case does (1.4 is not a binary float there)
        conditions.append(
            SQL(
                "(o.last_purchase_date >= %s::date - floor(%s * %s)::int)"
                " IS DISTINCT FROM (o.last_purchase_date >= %s::date - floor(%s * %s)::int)",
                since,
                old_cycle,
                old_factor,
                rules.today,
                rules.cycle_days,
                factor,
            )
        )
    if old_active != rules.active_count:
        conditions.append(
            SQL(
                "o.purchase_count >= %s AND o.purchase_count < %s",
                min(old_active, rules.active_count),
                max(old_active, rules.active_count),
            )
        )
    for score in rfm.SCORES:
        for before, after in zip(old[score.name], new[score.name], strict=True):
            if before != after:
                conditions.append(
                    SQL(
                        "o.%s BETWEEN least(%s::%s, %s::%s) AND greatest(%s::%s, %s::%s)",
                        SQL.identifier(score.measure),
                        *(before, SQL(score.measure_type), after, SQL(score.measure_type)) * 2,
                    )
                )
    return SQL("(%s)", SQL(" OR ").join(conditions))


def refresh_rows(cr, company_id, rules, limits, since=None, applied=None):
    """Bring the company's rows up to ``rules`` from what they hold, without aggregating
    orders: the stage (time passed, or the cycle or a setting changed; a customer without
    purchase keeps lead or lost, its interest did not change or it would have been
    recomputed) and the RFM scores (against ``limits``, ``todays_rfm_thresholds``). Only
    the rows that can have changed since the run of ``since``, which applied ``applied``,
    are looked at (``_refresh_candidates``). Stage changes become transitions. Returns
    (transitions, updated)."""
    now = applied_rules(rules, limits)
    measures = [score.measure for score in rfm.SCORES]
    scores = [*(score.name for score in rfm.SCORES), rfm.SEGMENT_FIELD]
    columns = SQL(", ").join(SQL.identifier(name) for name in scores)
    # the candidates first, counted: the planner then joins them to their rows by id
    create_temp_table(
        cr,
        REFRESH_TABLE,
        SQL(
            "SELECT o.id FROM res_partner_lifecycle o WHERE o.company_id = %s AND %s",
            company_id,
            _refresh_candidates(rules, since, applied, now),
        ),
    )
    cr.execute(SQL("ANALYZE %s", SQL.identifier(REFRESH_TABLE)))
    cr.execute(
        SQL(
            """
        WITH held AS (
            SELECT o.id, o.partner_id, o.stage AS old_stage, %(measures)s
              FROM %(candidates)s c JOIN res_partner_lifecycle o ON o.id = c.id
        ), scored AS (
            SELECT h.id, h.partner_id, h.old_stage, %(stage)s AS stage, %(scores)s
              FROM held h CROSS JOIN %(limits)s
            OFFSET 0  -- computed once per row, not copied into the segment's CASE for each cell
        ), fresh AS (
            SELECT scored.*, %(segment)s FROM scored
        ), changed AS (
            UPDATE res_partner_lifecycle o
               SET stage = n.stage,
                   stage_since = CASE WHEN o.stage IS DISTINCT FROM n.stage
                                      THEN %(today)s ELSE o.stage_since END,
                   (%(columns)s) = ROW(%(new_columns)s)
              FROM fresh n
             WHERE o.id = n.id AND (o.stage, %(old_columns)s) IS DISTINCT FROM (n.stage, %(new_columns)s)
         RETURNING n.partner_id, n.old_stage, n.stage
        ), moved AS (
            INSERT INTO res_partner_lifecycle_transition
                   (partner_id, company_id, from_stage, to_stage, date, initial)
            SELECT partner_id, %(company)s, old_stage, stage, %(today)s, false
              FROM changed WHERE old_stage IS DISTINCT FROM stage
             ORDER BY 1
         RETURNING 1
        )
        SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM changed)
        """,
            candidates=SQL.identifier(REFRESH_TABLE),
            limits=rfm.limits_row(limits),
            # a customer without purchase has no measure (and no score), as in compute_stages
            measures=SQL(", ").join(
                SQL("CASE WHEN o.purchase_count > 0 THEN %s END AS %s", SQL.identifier("o", m), SQL.identifier(m))
                for m in measures
            ),
            stage=stage_case(
                SQL("h.purchase_count"), SQL("h.last_purchase_date"), SQL("h.old_stage = 'lead'"), rules
            ),
            scores=rfm.score_columns("h", "rfm_limits"),
            segment=rfm.segment_column("scored"),
            columns=columns,
            old_columns=SQL(", ").join(SQL.identifier("o", name) for name in scores),
            new_columns=SQL(", ").join(SQL.identifier("n", name) for name in scores),
            company=company_id,
            today=rules.today,
        )
    )
    return cr.fetchone()


def write_snapshot(cr, company_id, today, uid):
    """Store today's count of partners per stage, and per RFM segment, for the company (a
    rerun replaces it). Every stage has its row, 0 included (none for a company without a
    stage yet): a chart of the trend gives each stage the same colour whichever companies
    it shows (colours go by the stages present)."""
    rfm.write_snapshot(cr, company_id, today, uid)
    cr.execute(
        SQL("DELETE FROM res_partner_lifecycle_snapshot WHERE company_id = %s AND date = %s", company_id, today)
    )
    cr.execute(
        SQL(
            """
        INSERT INTO res_partner_lifecycle_snapshot
               (date, company_id, stage, partner_count,
                create_uid, create_date, write_uid, write_date)
        SELECT %(today)s, %(company)s, s.stage, count(l.id),
               %(uid)s, now() at time zone 'utc', %(uid)s, now() at time zone 'utc'
          FROM unnest(%(stages)s::varchar[]) s(stage)
          LEFT JOIN res_partner_lifecycle l ON l.stage = s.stage AND l.company_id = %(company)s
         WHERE EXISTS (SELECT 1 FROM res_partner_lifecycle WHERE company_id = %(company)s)
         GROUP BY s.stage
        """,
            today=today,
            company=company_id,
            uid=uid,
            stages=[key for key, _label in STAGES],
        )
    )


def drop_work_table(cr):
    drop_temp_tables(cr, WORK_TABLE)


def analyze(cr):
    """Fresh planner statistics after a recompute: segment conditions on stages and
    purchase figures are planned from them (stale ones gave nested loops over 600k rows)."""
    cr.execute("ANALYZE res_partner_lifecycle")


def recompute_company(
    cr,
    company_id,
    today,
    cycle_days,
    factors=(1.0, 2.0, 4.0),
    active_count=2,
    uid=1,
    batch_size=200_000,
    after_batch=None,
    first_run=False,
    changed_only=False,
    since=None,
    applied=None,
):
    """The whole lifecycle recompute of one company with a known cycle X, straight on a cursor,
    after ``collect_purchases`` (or ``collect_changed``, ``changed_only``) of the same
    ``today`` in the same transaction (what ``res.company.action_recompute_lifecycle`` runs
    after measuring X; a benchmark can call it directly). ``after_batch(done, remaining)``
    runs after each partner-id range, e.g. to commit and report progress. ``first_run``: the
    company's first computation (finished or not): customers' first stages are not written
    as transitions (a third of a first run at a million partners: 639,000 rows and their
    foreign-key checks holding what the lifecycle rows hold).

    Today's RFM thresholds are counted first (``todays_rfm_thresholds``): every row is
    scored once. ``changed_only``: the daily run: only the changed customers are aggregated
    from their orders (once, by ``collect_changed``) and written, in one range; then the
    other rows are brought up to date from what they hold (``refresh_rows``, knowing the day
    ``since`` of the last run and what it ``applied``). The same rows, transitions and
    snapshots as a full run, in one transaction. Returns a dict of counts, and under
    "applied" what the run applied (for the next daily run)."""
    _check_collected(cr, company_id, today, changed_only)
    rules = Rules(today, cycle_days, *factors, active_count)
    limits = todays_rfm_thresholds(cr, company_id, changed_only)
    figures = {
        "partners": compute_stages(cr, company_id, rules, limits, changed_only),
        "transitions": 0,
        "updated": 0,
        "inserted": 0,
        "deleted": 0,
        "applied": applied_rules(rules, limits),
    }
    if changed_only:
        cr.execute(SQL("SELECT min(partner_id), max(partner_id) FROM %s", SQL.identifier(CHANGED_TABLE)))
        low, high, batch_size = *cr.fetchone(), None
    else:
        low, high = partner_id_bounds(cr, company_id)
    if low is not None:
        start = low
        while start <= high:
            stop = high + 1 if changed_only else start + batch_size
            counts = apply_batch(
                cr, company_id, today, start, stop, entries=not first_run, changed_only=changed_only
            )
            for key, count in zip(("transitions", "updated", "inserted", "deleted"), counts, strict=True):
                figures[key] += count
            start = stop
            if after_batch and not changed_only:  # a daily run is one transaction
                after_batch(min(start, high + 1) - low, max(0, high + 1 - start))
    if changed_only:
        moved, refreshed = refresh_rows(cr, company_id, rules, limits, since, applied)
        figures["transitions"] += moved
        figures["updated"] += refreshed
    write_snapshot(cr, company_id, today, uid)
    drop_work_table(cr)
    release_taken(cr)
    written = figures["updated"] + figures["inserted"] + figures["deleted"]
    if not changed_only or written >= DAILY_ANALYZE_ROWS:
        analyze(cr)
    return figures
