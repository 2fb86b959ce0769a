"""RFM: recency, frequency and monetary scores of a company's customers, and the named
segment of each (R, F) cell, computed with the lifecycle inside PostgreSQL.

Each score is one line of ``SCORES`` (its column and the work-table measure it ranks
customers by, larger being better); each named segment one line of ``SEGMENTS`` (its key,
label and the R and F scores of its cells). Fields, the scoring query, the grid's cells
and the ready-made segments all come from these two tables.

Among the company's customers with a purchase, a customer's score on a measure is
``1 + floor(5 * (customers strictly worse) / (customers with a purchase))``: ties share a
score, 5 is the best fifth, and a lone customer scores 1. Computed as 1 + the number of
the measure's four fifth-thresholds the customer is strictly above: the same score, without
ranking every customer (ranking 600,000 customers three times took 18 s; this, under 1 s).
"""

from typing import NamedTuple

from odoo.tools import SQL


class Score(NamedTuple):
    name: str  # column of res_partner_lifecycle and its work table, field on res.partner
    label: str
    measure: str  # work-table column ranking customers: a larger value is a better customer
    help: str
    measure_type: str  # the measure's SQL type (its thresholds are kept as text between runs)


SCORES = (
    Score(
        "rfm_recency",
        "Recency score",
        "last_purchase_date",
        "1 to 5 among the company's customers with a purchase, 5 for the most recent buyers.",
        "date",
    ),
    Score(
        "rfm_frequency",
        "Frequency score",
        "purchase_count",
        "1 to 5 among the company's customers with a purchase, 5 for those who buy most often.",
        "integer",
    ),
    Score(
        "rfm_monetary",
        "Monetary score",
        "purchase_total",
        "1 to 5 among the company's customers with a purchase, 5 for those who spend most.",
        "numeric",
    ),
)
SEGMENT_FIELD = "rfm_segment"


class Segment(NamedTuple):
    key: str
    label: str
    recency: range  # R scores of its cells
    frequency: range  # F scores of its cells


SEGMENTS = (
    Segment("champions", "Champions", range(5, 6), range(4, 6)),
    Segment("loyal", "Loyal", range(3, 5), range(4, 6)),
    Segment("potential_loyalist", "Potential loyalist", range(4, 6), range(2, 4)),
    Segment("new_customer", "New customer", range(5, 6), range(1, 2)),
    Segment("promising", "Promising", range(4, 5), range(1, 2)),
    Segment("need_attention", "Need attention", range(3, 4), range(3, 4)),
    Segment("about_to_sleep", "About to sleep", range(3, 4), range(1, 3)),
    Segment("at_risk", "At risk", range(1, 3), range(3, 5)),
    Segment("cant_lose", "Can't lose them", range(1, 3), range(5, 6)),
    Segment("hibernating", "Hibernating", range(1, 3), range(1, 3)),
)
SEGMENT_SELECTION = [(segment.key, segment.label) for segment in SEGMENTS]
COLUMNS = (*(score.name for score in SCORES), SEGMENT_FIELD)


def segment_case(recency, frequency):
    """SQL: the named segment of the cell (``recency``, ``frequency``), SQL expressions."""
    return SQL(
        "CASE %s END",
        SQL(" ").join(
            SQL(
                "WHEN %s BETWEEN %s AND %s AND %s BETWEEN %s AND %s THEN %s",
                recency,
                s.recency[0],
                s.recency[-1],
                frequency,
                s.frequency[0],
                s.frequency[-1],
                s.key,
            )
            for s in SEGMENTS
        ),
    )


def thresholds(customers):
    """SQL: one row, for each score an array of the 4 measure values separating its fifths,
    among ``customers`` (the name of a table or CTE with the measures, one row per customer
    who bought, no measure NULL; read once per measure to count it and once to sort it).
    Threshold k is the value at position ceil(k * N / 5) of the measure sorted ascending:
    a customer strictly above it has at least that many customers strictly worse. Read by
    ``percentile_disc`` (the value at position ceil(fraction * N)) at the fraction
    (position - 0.5) / N: half a position from either neighbour, which floating point
    keeps far below 10^12 customers. One sort per measure (counting per distinct value
    instead took twice as long at 600,000 customers, hashing 156,000 distinct amounts)."""

    def fractions(measure):
        return SQL(
            "(SELECT ARRAY[%s]::float8[] FROM (SELECT count(%s) AS n FROM %s) c)",
            SQL(", ").join(SQL("((%s * n + 4) / 5 - 0.5) / nullif(n, 0)", k) for k in range(1, 5)),
            SQL.identifier(measure),
            customers,
        )

    return SQL(
        "SELECT %s FROM %s",
        SQL(", ").join(
            # no customer: four NULL thresholds, as many as with customers
            SQL(
                "coalesce(percentile_disc(%s) WITHIN GROUP (ORDER BY %s),"
                " ARRAY[NULL, NULL, NULL, NULL]::%s[]) AS %s",
                fractions(score.measure),
                SQL.identifier(score.measure),
                SQL(score.measure_type),
                SQL.identifier(score.name),
            )
            for score in SCORES
        ),
        customers,
    )


def current_thresholds(cr, customers):
    """{score: its four thresholds as text} among the rows of the query ``customers`` (see
    ``thresholds``), read once. Amounts as PostgreSQL writes them, not through a float (an
    amount through a currency rate has more digits than a float holds: 1/3 rounded to
    0.3333333333333333 is below it, and the customer at that threshold would be above it),
    without trailing zeros (equal amounts reached through different rates carry different
    scales, 48.35 and 48.350000, and a daily run compares the last run's thresholds with
    today's)."""
    cr.execute(
        SQL(
            "WITH customers AS MATERIALIZED (SELECT %s FROM (%s) c) SELECT %s FROM (%s) t",
            SQL(", ").join(SQL.identifier(score.measure) for score in SCORES),
            customers,
            SQL(", ").join(
                SQL("%s::text[]" if score.measure_type == "numeric" else "%s", SQL.identifier("t", score.name))
                for score in SCORES
            ),
            thresholds(SQL("customers")),
        )
    )
    row = cr.fetchone()
    return {
        score.name: [_exact_text(value) for value in limits] for score, limits in zip(SCORES, row, strict=True)
    }


def _exact_text(value):
    """A threshold as text: a numeric's text (never an exponent) without trailing zeros."""
    if isinstance(value, str) and "." in value:
        return value.rstrip("0").rstrip(".")
    return None if value is None else str(value)


def limits_row(limits):
    """SQL: a FROM item of one row like ``thresholds``'s, from ``current_thresholds``'s."""
    return SQL(
        "(SELECT %s) AS rfm_limits",
        SQL(", ").join(
            SQL(
                "%s::%s[] AS %s",
                limits[score.name],
                SQL(score.measure_type),
                SQL.identifier(score.name),
            )
            for score in SCORES
        ),
    )


def score_columns(customer, limits):
    """SQL: the three score columns of a customer row aliased ``customer`` (NULL without a
    purchase), from the row of ``thresholds`` aliased ``limits``."""
    return SQL(", ").join(
        SQL(
            "CASE WHEN %(value)s IS NOT NULL THEN 1 %(above)s END::smallint AS %(name)s",
            value=SQL.identifier(customer, score.measure),
            above=SQL(" ").join(
                SQL(
                    "+ (%s > %s[%s])::int",
                    SQL.identifier(customer, score.measure),
                    SQL.identifier(limits, score.name),
                    k,
                )
                for k in range(1, 5)
            ),
            name=SQL.identifier(score.name),
        )
        for score in SCORES
    )


def segment_column(row):
    """SQL: the named segment column from the scores of a row aliased ``row``."""
    r, f = (SQL.identifier(row, score.name) for score in SCORES[:2])
    return SQL("%s::varchar AS %s", segment_case(r, f), SQL.identifier(SEGMENT_FIELD))


def write_snapshot(cr, company_id, today, uid):
    """Store today's count of customers and their purchases per named segment for the
    company (a rerun replaces it); every segment has its row, 0 included, once a customer has
    one (a chart keeps its colours, ``lifecycle.write_snapshot``)."""
    cr.execute(SQL("DELETE FROM res_partner_rfm_snapshot WHERE company_id = %s AND date = %s", company_id, today))
    cr.execute(
        SQL(
            """
        INSERT INTO res_partner_rfm_snapshot
               (date, company_id, rfm_segment, partner_count, purchase_total,
                create_uid, create_date, write_uid, write_date)
        SELECT %(today)s, %(company)s, s.segment, count(l.id), coalesce(sum(l.purchase_total), 0),
               %(uid)s, now() at time zone 'utc', %(uid)s, now() at time zone 'utc'
          FROM unnest(%(segments)s::varchar[]) s(segment)
          LEFT JOIN res_partner_lifecycle l ON l.rfm_segment = s.segment AND l.company_id = %(company)s
         WHERE EXISTS (SELECT 1 FROM res_partner_lifecycle
                        WHERE company_id = %(company)s AND rfm_segment IS NOT NULL)
         GROUP BY s.segment
        """,
            today=today,
            company=company_id,
            uid=uid,
            segments=[segment.key for segment in SEGMENTS],
        )
    )
