"""The purchase figures of a customer (commercial entity) with one company, in one table.

Each figure is one line of ``FIGURES``: its name, type, label and the SQL aggregate over
the customer's confirmed orders. Everything else is generated from it:

- *stored* figures are columns of ``res_partner_lifecycle``, written by the lifecycle
  recompute (``engine.lifecycle``) and read as of its last run;
- *live* figures are columns of ``live_figures_query``, the table query of
  ``res.partner.purchase.figures``, computed when they are read or searched, so a segment
  computed now sees today's date and orders;
- both become fields of ``res.partner`` for ``env.company``, computed, searchable through
  a subquery and groupable (``models/res_partner.py``), and of their row model.
"""

from typing import NamedTuple

from odoo.tools import SQL


class Figure(NamedTuple):
    name: str  # column of its table (and the lifecycle work table), field on res.partner
    field_type: str  # "integer", "float", "date" or "monetary"
    label: str
    # over the confirmed orders ``so`` of one customer with one company; may use %(today)s
    # and, in a live figure only, %(cycle)s (the company's purchase cycle X, in days: a
    # daily lifecycle run aggregates the stored figures before it knows X)
    aggregate: str
    empty: int | None  # value of a customer without purchases (None: no value)
    help: str = ""
    live: bool = False

    @property
    def field_empty(self):
        """The field's value for a customer without purchases (False: not set)."""
        return False if self.empty is None else self.empty


# An order's untaxed amount in the company's currency (no rate: already in it; no amount,
# as an order written in SQL may have: 0, so that every customer who bought has a total).
AMOUNT = "coalesce(so.amount_untaxed, 0) / coalesce(nullif(so.currency_rate, 0), 1)"
# the window of the stored "last 12 months" figure: the one stored figure that changes with
# the date alone (the daily run recomputes customers with a purchase leaving it)
STORED_WINDOW = "1 year"
STORED_WINDOW_START = f"%(today)s - interval '{STORED_WINDOW}'"


# An order's day is the company's day, in its time zone ``%(tz)s``, as "today" is: an order
# at 08:00 in Tokyo is bought that day, not the day before in UTC (``date_order`` is stored
# in UTC). Converted once per customer (its first and last order's time; the conversion
# keeps the order) and on the windows' bounds, never on every order.
def local_day(utc_time):
    """SQL: the company's day of the UTC time ``utc_time`` (SQL)."""
    return f"(({utc_time}) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date"


def day_start(day):
    """SQL: the UTC time at which the company's day ``day`` (SQL, a date) begins."""
    return f"(({day})::timestamp AT TIME ZONE %(tz)s AT TIME ZONE 'UTC')"


FIRST_DAY = local_day("min(so.date_order)")
LAST_DAY = local_day("max(so.date_order)")
# the customer's own purchase cycle: its mean gap between purchases (2+), else the company's X
# (at least one day: purchases all on one day have no gap)
GAP = (
    "CASE WHEN count(*) >= 2 THEN "
    f"greatest(1, round(({LAST_DAY} - {FIRST_DAY})::numeric / (count(*) - 1))::int) "
    "ELSE %(cycle)s END"
)
NEXT_DAY = f"({LAST_DAY} + {GAP})"


def _in_last_days(days):
    """Orders of the last ``days`` days, today included."""
    return f"FILTER (WHERE so.date_order >= {day_start(f'%(today)s - {days - 1}')})"


FIGURES = (
    Figure("purchase_count", "integer", "Purchases", "count(*)", 0),
    Figure("first_purchase_date", "date", "First purchase", FIRST_DAY, None),
    Figure("last_purchase_date", "date", "Last purchase", LAST_DAY, None),
    Figure(
        "purchase_total",
        "monetary",
        "Purchased (untaxed)",
        f"sum({AMOUNT})",
        0,
        "Sum of the untaxed amounts of the confirmed orders, as recorded on them.",
    ),
    Figure("purchase_average", "monetary", "Average order (untaxed)", f"avg({AMOUNT})", 0),
    Figure(
        "purchase_total_12m",
        "monetary",
        "Purchased, last 12 months (daily)",
        f"coalesce(sum({AMOUNT}) FILTER (WHERE so.date_order >= {day_start(STORED_WINDOW_START)}), 0)",
        0,
        "Untaxed amount of the confirmed orders of the last 365 days as of the last lifecycle run "
        "(daily). For the amount at this moment: Purchased, last 365 days.",
    ),
    # live: exact at the moment they are read or searched
    Figure(
        "days_since_last_purchase",
        "integer",
        "Days since last purchase",
        f"%(today)s - {LAST_DAY}",
        None,
        "Whole days since the last confirmed order (0: today). Not set without a purchase.",
        live=True,
    ),
    Figure(
        "days_since_first_purchase",
        "integer",
        "Days since first purchase",
        f"%(today)s - {FIRST_DAY}",
        None,
        "Whole days since the first confirmed order. Not set without a purchase.",
        live=True,
    ),
    *(
        Figure(
            f"purchase_count_{days}d",
            "integer",
            f"Purchases, last {days} days",
            f"count(*) {_in_last_days(days)}",
            0,
            f"Confirmed orders of the last {days} days, today included.",
            live=True,
        )
        for days in (30, 90, 365)
    ),
    *(
        Figure(
            f"purchase_total_{days}d",
            "monetary",
            f"Purchased, last {days} days",
            f"coalesce(sum({AMOUNT}) {_in_last_days(days)}, 0)",
            0,
            f"Untaxed amount of the confirmed orders of the last {days} days, today included, "
            "in the company's currency.",
            live=True,
        )
        for days in (30, 90, 365)
    ),
    Figure(
        "next_purchase_date",
        "date",
        "Expected next purchase",
        NEXT_DAY,
        None,
        "Last purchase plus the customer's own mean gap between purchases (two purchases or "
        "more), else plus the company's purchase cycle.",
        live=True,
    ),
    Figure(
        "days_to_next_purchase",
        "integer",
        "Days to expected purchase",
        f"{NEXT_DAY} - %(today)s",
        None,
        "Whole days until the expected next purchase (0: today); below 0, days it is overdue.",
        live=True,
    ),
    Figure(
        "purchase_cycles_overdue",
        "float",
        "Cycles overdue",
        f"round((%(today)s - {NEXT_DAY})::numeric / {GAP}, 2)",
        None,
        "By how many of the customer's own purchase cycles the expected next purchase is late "
        "(below 0: not due yet). Over 1: late by more than a whole cycle.",
        live=True,
    ),
)
STORED_FIGURES = tuple(f for f in FIGURES if not f.live)
LIVE_FIGURES = tuple(f for f in FIGURES if f.live)


def live_figures_query(company_id, today, cycle_days, customer_ids=None, tz="UTC"):
    """The live figures of the customers of ``company_id``, counted from ``today`` (a day
    of the company's time zone ``tz``, in which orders are dated too): one row
    per customer with a confirmed order; ``cycle_days`` is the company's X. ``id`` is the
    customer's first order. Grouped by the customer alone, so PostgreSQL knows a customer
    has one row: ``commercial_partner_id IN (rows that match)`` is planned as a hash join
    (grouped by customer and company too, it guessed 200 rows and looped over 440,000).
    ``customer_ids``: only those customers (commercial entities), for one partner's "Why?"."""
    return SQL(
        """
        SELECT min(so.id) AS id, p.commercial_partner_id AS partner_id, %(company)s AS company_id, %(figures)s
          FROM sale_order so
          JOIN res_partner p ON p.id = so.partner_id
         WHERE so.company_id = %(company)s AND so.state = 'sale' %(customers)s
         GROUP BY p.commercial_partner_id
        """,
        company=company_id,
        customers=SQL("AND p.commercial_partner_id IN %s", tuple(customer_ids)) if customer_ids else SQL(),
        figures=SQL(", ").join(
            SQL("%s AS %s", SQL(f.aggregate, today=today, cycle=cycle_days, tz=tz), SQL.identifier(f.name))
            for f in LIVE_FIGURES
        ),
    )
