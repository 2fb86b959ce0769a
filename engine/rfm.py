"""RFM: recency, frequency and monetary scores of a company's customers, and the named
segment of each (R, F) cell, computed with the lifecycle inside PostgreSQL.

Each score is one line of ``SCORES`` (its column and the work-table measure it ranks
customers by, larger being better); each named segment one line of ``SEGMENTS`` (its key,
label and the R and F scores of its cells). Fields, the scoring query, the grid's cells
and the ready-made segments all come from these two tables.

Among the company's customers with a purchase, a customer's score on a measure is
``1 + floor(5 * (customers strictly worse) / (customers with a purchase))``: ties share a
score, 5 is the best fifth, and a lone customer scores 1.
"""

from typing import NamedTuple

from odoo.tools import SQL


class Score(NamedTuple):
    name: str  # column of res_partner_lifecycle and its work table, field on res.partner
    label: str
    measure: str  # work-table column ranking customers: a larger value is a better customer
    help: str


SCORES = (
    Score(
        "rfm_recency",
        "Recency score",
        "last_purchase_date",
        "1 to 5 among the company's customers with a purchase, 5 for the most recent buyers.",
    ),
    Score(
        "rfm_frequency",
        "Frequency score",
        "purchase_count",
        "1 to 5 among the company's customers with a purchase, 5 for those who buy most often.",
    ),
    Score(
        "rfm_monetary",
        "Monetary score",
        "purchase_total",
        "1 to 5 among the company's customers with a purchase, 5 for those who spend most.",
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


def segment_of(recency, frequency):
    """The key of the named segment of cell (R, F)."""
    return next(s.key for s in SEGMENTS if recency in s.recency and frequency in s.frequency)


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


def score_work_table(cr, work):
    """Score the customers with a purchase in lifecycle work table ``work`` (an identifier):
    one pass of window functions over them, written into the table's RFM columns (added
    here). Returns the number of customers scored."""
    cr.execute(
        SQL(
            "ALTER TABLE %s %s",
            work,
            SQL(", ").join(
                [
                    *(SQL("ADD COLUMN %s smallint", SQL.identifier(score.name)) for score in SCORES),
                    SQL("ADD COLUMN %s varchar", SQL.identifier(SEGMENT_FIELD)),
                ]
            ),
        )
    )
    scores = SQL(", ").join(
        SQL(
            "1 + 5 * (rank() OVER (ORDER BY %s) - 1) / count(*) OVER () AS %s",
            SQL.identifier(score.measure),
            SQL.identifier(score.name),
        )
        for score in SCORES
    )
    r, f = (SQL.identifier("s", score.name) for score in SCORES[:2])
    cr.execute(
        SQL(
            """
        UPDATE %(work)s w
           SET (%(columns)s) = ROW(%(values)s, %(segment)s)
          FROM (SELECT partner_id, %(scores)s FROM %(work)s WHERE purchase_count > 0) s
         WHERE w.partner_id = s.partner_id
        """,
            work=work,
            columns=SQL(", ").join(SQL.identifier(column) for column in COLUMNS),
            values=SQL(", ").join(SQL.identifier("s", score.name) for score in SCORES),
            segment=segment_case(r, f),
            scores=scores,
        )
    )
    return cr.rowcount


def write_snapshot(cr, company_id, today, uid):
    """Store today's count of customers and their purchases per named segment for the
    company (a rerun replaces it)."""
    cr.execute(SQL("DELETE FROM res_partner_rfm_snapshot WHERE company_id = %s AND date = %s", company_id, today))
    cr.execute(
        SQL(
            """
        INSERT INTO res_partner_rfm_snapshot
               (date, company_id, rfm_segment, partner_count, purchase_total,
                create_uid, create_date, write_uid, write_date)
        SELECT %(today)s, %(company)s, rfm_segment, count(*), sum(purchase_total),
               %(uid)s, now() at time zone 'utc', %(uid)s, now() at time zone 'utc'
          FROM res_partner_lifecycle WHERE company_id = %(company)s AND rfm_segment IS NOT NULL
         GROUP BY rfm_segment
        """,
            today=today,
            company=company_id,
            uid=uid,
        )
    )
