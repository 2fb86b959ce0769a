"""`make bench`: time segments, lifecycle and mailing sync on a generated customer base,
side by side with references, and report min/median and ratios (table + JSON).

    python bench/run.py --conf odoo.conf --db ps_bench --partners 1000000 --repeats 3

The measuring functions take an Odoo ``env`` so that a small-size smoke test
(``tests/test_bench_smoke.py``) runs the very same code inside ``make test``.
"""
# pylint: disable=print-used,invalid-commit  # a command-line benchmark: prints its table, commits each run

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta

if not __package__ and os.environ.get("ODOO_SRC"):  # run as a script: make Odoo importable
    sys.path.insert(0, os.environ["ODOO_SRC"])

from odoo.tools import SQL

if __package__:
    from . import generate as generator
else:  # run as a script: python bench/run.py
    import generate as generator

RATIO_TARGET = 3.0  # segment recompute within 3x the hand-written SQL
FIRST_BUILD_TARGET = 1.5  # a first build within 1.5x PostgreSQL's insert of the same rows
TARGETS = {
    "form_s": 0.3,
    "lifecycle_s": 30,
    "lifecycle_daily_s": 5,
    "mailing_first_s": 30,
    "mailing_resync_s": 5,
    "memory_growth_mb": 200,
}
NOT_AVAILABLE = "not available yet"


def quiet(*_args):
    """Default progress reporter (tests): say nothing."""


def available(env):
    """Which sections the installed code can measure (others report NOT_AVAILABLE)."""
    company, partner = env["res.company"], env["res.partner"]
    return {
        "lifecycle": hasattr(company, "action_recompute_lifecycle"),
        "metrics": "last_purchase_date" in partner._fields
        and "res.partner.lifecycle" in env
        and "lifecycle_stage" in partner._fields,
        "mailing": hasattr(env["res.partner.segment"], "_push_to_list") and "mailing.list" in env,
    }


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Untimed steps before every timed run (``--checkpoint`` adds one): each run then starts
# from the same state, whatever the run before it left for PostgreSQL to write.
BEFORE_EACH_RUN = []


def timed(fn, repeats, before=None, commit=None, after=None):
    """Run ``fn`` ``repeats`` times (``before`` and ``after`` untimed each time); min/median
    seconds."""
    times = []
    for _ in range(repeats):
        if before:
            before()
        for settle in BEFORE_EACH_RUN:
            settle()
        start = time.perf_counter()
        fn()
        if commit:
            commit()
        times.append(time.perf_counter() - start)
        if after:
            after()
    return {"min": round(min(times), 3), "median": round(statistics.median(times), 3), "runs": len(times)}


def year_bounds(today):
    this_year = date(today.year, 1, 1)
    return date(today.year - 1, 1, 1), this_year


def segment_scenarios(env, today, metrics=True):
    """(name, domain, hand-written reference SQL selecting the same partner ids)."""
    last_year, this_year = year_bounds(today)
    company = env.company.id
    tag = env["res.partner.category"].search([("name", "=", generator.TAG_NAME)], limit=1)
    scenarios = [
        (
            "metrics: last purchase last year",
            f"[('last_purchase_date', '>=', '{last_year}'), ('last_purchase_date', '<', '{this_year}')]",
            SQL(
                """SELECT p.id FROM res_partner p JOIN res_partner_lifecycle l
                  ON l.partner_id = p.commercial_partner_id AND l.company_id = %s
                 WHERE p.active AND l.last_purchase_date >= %s AND l.last_purchase_date < %s""",
                company,
                last_year,
                this_year,
            ),
        ),
        (
            "relation: bought last year, not this year",
            f"[('sale_order_ids', 'any', [('state', '=', 'sale'), ('date_order', '>=', '{last_year}'),"
            f" ('date_order', '<', '{this_year}')]), ('sale_order_ids', 'not any', "
            f"[('state', '=', 'sale'), ('date_order', '>=', '{this_year}')])]",
            SQL(
                """SELECT p.id FROM res_partner p WHERE p.active
                   AND EXISTS (SELECT 1 FROM sale_order s WHERE s.partner_id = p.id
                                  AND s.state = 'sale' AND s.date_order >= %s AND s.date_order < %s)
                   AND NOT EXISTS (SELECT 1 FROM sale_order s WHERE s.partner_id = p.id
                                      AND s.state = 'sale' AND s.date_order >= %s)""",
                last_year,
                this_year,
                this_year,
            ),
        ),
        (
            "live: no purchase for 90 days",
            "[('days_since_last_purchase', '>', 90)]",
            SQL(
                """SELECT p.id FROM res_partner p WHERE p.active AND p.commercial_partner_id IN (
                   SELECT c.commercial_partner_id FROM sale_order s JOIN res_partner c ON c.id = s.partner_id
                    WHERE s.company_id = %s AND s.state = 'sale'
                    GROUP BY c.commercial_partner_id HAVING %s - max(s.date_order::date) > 90)""",
                company,
                today,
            ),
        ),
        (
            "tag: VIP",
            f"[('category_id', 'in', [{tag.id}])]",
            SQL(
                """SELECT p.id FROM res_partner p WHERE p.active AND EXISTS (
                   SELECT 1 FROM res_partner_res_partner_category_rel r
                    WHERE r.partner_id = p.id AND r.category_id = %s)""",
                tag.id,
            ),
        ),
    ]
    return scenarios if metrics else scenarios[1:]


def reference_time(env, selection, repeats):
    """The floor: PostgreSQL materializing the same set from hand-written SQL."""
    cr = env.cr

    def run():
        cr.execute("DROP TABLE IF EXISTS bench_reference")
        cr.execute(SQL("CREATE TEMP TABLE bench_reference AS %s", selection))

    result = timed(run, repeats)
    cr.execute("SELECT array_agg(id ORDER BY id) FROM bench_reference")
    ids = cr.fetchone()[0] or []
    cr.execute("DROP TABLE bench_reference")
    return result, ids


def insert_time(env, table, segment_id, selection, repeats):
    """The hand-written set inserted, in key order, into ``table`` (an SQL identifier),
    rolled back each run."""
    cr = env.cr

    def insert():
        cr.execute("SAVEPOINT bench_insert")
        cr.execute(
            SQL(
                "INSERT INTO %s (segment_id, partner_id) SELECT %s, r.id FROM (%s) r ORDER BY r.id",
                table,
                segment_id,
                selection,
            )
        )

    return timed(insert, repeats, after=lambda: cr.execute("ROLLBACK TO SAVEPOINT bench_insert"))


def member_table_name(env):
    """The segment member table's name, as the ORM names it."""
    return env["res.partner.segment"]._fields["partner_ids"].relation


def member_table(env):
    """The segment member table, as an SQL identifier."""
    return SQL.identifier(member_table_name(env))


def scratch_segment(env):
    """An empty static segment whose id the write floors insert under (rolled back)."""
    return env["res.partner.segment"].create(
        {"name": "Bench write floor", "segment_type": "static", "company_id": env.company.id}
    )


def write_floor_time(env, selection, repeats):
    """What PostgreSQL itself needs to store the same set as a segment's members: inserted
    into the member table (with the two foreign keys Odoo gives every many2many table), and
    into a copy of it with the same indexes and no foreign key, which shows what they cost."""
    cr = env.cr
    scratch = scratch_segment(env)
    with_fks = insert_time(env, member_table(env), scratch.id, selection, repeats)
    cr.execute("DROP TABLE IF EXISTS bench_member_no_fk")
    cr.execute(SQL("CREATE TABLE bench_member_no_fk (LIKE %s INCLUDING INDEXES)", member_table(env)))
    try:
        without_fks = insert_time(env, SQL.identifier("bench_member_no_fk"), scratch.id, selection, repeats)
    finally:
        cr.execute("DROP TABLE bench_member_no_fk")
    scratch.unlink()
    return with_fks, without_fks


def member_ids(env, segment):
    env.cr.execute(
        SQL(
            "SELECT array_agg(partner_id ORDER BY partner_id) FROM %s WHERE segment_id = %s",
            member_table(env),
            segment.id,
        )
    )
    return env.cr.fetchone()[0] or []


def explain(env, query):
    """EXPLAIN (ANALYZE, BUFFERS) of ``query`` (rolled back), as text lines."""
    cr = env.cr
    cr.execute("SAVEPOINT bench_explain")
    try:
        cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query))
        return [row[0] for row in cr.fetchall()]
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT bench_explain")


def profile_segment(env, segment, reference):
    """Where the time goes when a segment misses its ratio target: the plans of its
    selection (with the settings the recompute uses) and of the hand-written SQL."""
    from odoo.addons.partner_segmentation.engine.batch import local_settings

    with local_settings(env.cr, **segment._recompute_settings()):
        ours = explain(env, segment._membership_selection())
    return {"selection_plan": ours, "reference_plan": explain(env, reference)}


def segment_result(name, segment, first, rebuild, floor, same, write_floors):
    write_floor, write_floor_no_fk = write_floors
    return {
        "scenario": name,
        "members": segment.member_count,
        "first": first,
        "rebuild": rebuild,
        "reference": floor,
        "write_floor": write_floor,
        "write_floor_no_fk": write_floor_no_fk,
        "ratio_first": round(first["median"] / max(floor["median"], 1e-3), 2),
        "ratio_rebuild": round(rebuild["median"] / max(floor["median"], 1e-3), 2),
        "ratio_first_vs_write": round(first["median"] / max(write_floor["median"], 1e-3), 2),
        "ratio_first_vs_write_no_fk": round(first["median"] / max(write_floor_no_fk["median"], 1e-3), 2),
        "same_members_as_reference": same,
    }


def emptied(env, segment, commit):
    """A function that empties ``segment``, as a new one is (no member and no size history:
    a segment built before logs who joins it, 163,000 entry events that doubled the timed
    first builds after the first), before a first build is timed."""

    def run():
        env.cr.execute(SQL("DELETE FROM %s WHERE segment_id = %s", member_table(env), segment.id))
        for table in ("res_partner_segment_history", "res_partner_segment_event"):
            env.cr.execute(SQL("DELETE FROM %s WHERE segment_id = %s", SQL.identifier(table), segment.id))
        env.cr.execute("UPDATE res_partner_segment SET member_count = 0 WHERE id = %s", [segment.id])
        segment.invalidate_recordset(["member_count", "partner_ids"])
        if commit:
            commit()

    return run


def measure_segments(env, repeats, commit, today, naive_timeout=300, log=quiet, metrics=True):
    """First build and unchanged rebuild of each scenario against its reference, then a
    segment of a segment, then the naive ORM way on the relation scenario."""
    Segment = env["res.partner.segment"]
    results, checks, segments = [], {}, {}

    def clear(segment):
        return emptied(env, segment, commit)

    for name, domain, reference in segment_scenarios(env, today, metrics):
        log(f"segment: {name}")
        segment = Segment.create({"name": f"Bench {name}", "domain": domain, "company_id": env.company.id})
        segments[name] = segment
        first = timed(segment.action_recompute, repeats, before=clear(segment), commit=commit)
        rebuild = timed(segment.action_recompute, repeats, commit=commit)
        floor, ids = reference_time(env, reference, repeats)
        ours = member_ids(env, segment)
        checks[name] = ours == ids
        if not checks[name]:
            log(
                f"  DIFFERENT MEMBERS: only ours {sorted(set(ours) - set(ids))[:10]}, "
                f"only SQL {sorted(set(ids) - set(ours))[:10]}"
            )
        result = segment_result(
            name, segment, first, rebuild, floor, checks[name], write_floor_time(env, reference, repeats)
        )
        if max(result["ratio_first"], result["ratio_rebuild"]) > RATIO_TARGET:
            result["profile"] = profile_segment(env, segment, reference)
        results.append(result)
        log(
            f"  {result['members']} members, first {first['median']} s, rebuild "
            f"{rebuild['median']} s, SQL {floor['median']} s, "
            f"SQL into the member table {result['write_floor']['median']} s "
            f"(without its foreign keys {result['write_floor_no_fk']['median']} s)"
        )
    relation = segments["relation: bought last year, not this year"]
    log("segment: segment of a segment")
    nested = Segment.create(
        {
            "name": "Bench segment of a segment",
            "company_id": env.company.id,
            "domain": f"[('segment_ids', 'in', [{relation.id}]), ('email', '!=', False)]",
        }
    )
    first = timed(nested.action_recompute, repeats, before=clear(nested), commit=commit)
    rebuild = timed(nested.action_recompute, repeats, commit=commit)
    nested_reference = SQL(
        """SELECT p.id FROM res_partner p JOIN %s m
             ON m.partner_id = p.id AND m.segment_id = %s
            WHERE p.active AND p.email IS NOT NULL""",
        member_table(env),
        relation.id,
    )
    floor, ids = reference_time(env, nested_reference, repeats)
    result = segment_result(
        "segment of a segment",
        nested,
        first,
        rebuild,
        floor,
        member_ids(env, nested) == ids,
        write_floor_time(env, nested_reference, repeats),
    )
    if max(result["ratio_first"], result["ratio_rebuild"]) > RATIO_TARGET:
        result["profile"] = profile_segment(env, nested, nested_reference)
    results.append(result)
    log("naive ORM reference (search + write ids)")
    results.append(measure_naive(env, relation, relation_result(results), naive_timeout))
    return results, segments


def measure_naive(env, relation, ours, naive_timeout):
    """The naive ORM way on the relation segment: search() every id into Python, then write
    them; with PostgreSQL's defaults, as Odoo runs it, and bounded by a statement timeout."""
    Segment = env["res.partner.segment"]
    static = Segment.create({"name": "Bench naive ORM", "segment_type": "static", "company_id": env.company.id})

    def naive():
        ids = env["res.partner"].with_company(env.company).search(relation._parsed_domain()).ids
        static.write({"partner_ids": [(6, 0, ids)]})
        env.flush_all()

    env.cr.execute("SAVEPOINT naive")
    env.cr.execute("SET LOCAL statement_timeout = %s", [f"{naive_timeout}s"])
    try:
        naive_time = timed(naive, 1)
        env.cr.execute("RELEASE SAVEPOINT naive")
    except Exception:  # noqa: BLE001 - the statement timeout, reported as such
        env.cr.execute("ROLLBACK TO SAVEPOINT naive")
        env.invalidate_all()
        naive_time = None
    env.cr.execute("SET LOCAL statement_timeout = 0")
    ours = ours["first"]["median"]
    return {
        "scenario": "naive ORM (search + write ids), relation condition",
        "members": static.member_count if naive_time else None,
        "first": naive_time,
        "timeout": naive_timeout,
        "ratio_vs_ours": round((naive_time["median"] if naive_time else naive_timeout) / max(ours, 1e-3), 1),
    }


def relation_result(results):
    return next(r for r in results if r["scenario"].startswith("relation"))


DAILY_SHARE = 0.01  # the daily run: 1 % of the customers bought since the last run
DAILY_ORDER = "BENCH-DAY/"


def buy_today(env, share=DAILY_SHARE):
    """``share`` of the customers with a stage buy today, and the last run was yesterday:
    the day a daily run sees. Orders inserted in SQL like the generator's, then queued with
    ``lifecycle.mark`` as the ORM's create and confirmation queue them."""
    from odoo.addons.partner_segmentation.engine import lifecycle

    company = env.company
    cr = env.cr
    env.flush_all()
    cr.execute(
        SQL(
            """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                state, date_order, create_date, write_date, create_uid, write_uid,
                                currency_id, amount_untaxed, amount_tax, amount_total,
                                require_signature, require_payment, locked)
        SELECT %(prefix)s || l.partner_id, l.partner_id, l.partner_id, l.partner_id,
               %(company)s, 'sale', now() at time zone 'utc', now() at time zone 'utc',
               now() at time zone 'utc', 1, 1, %(currency)s, 120, 25.2, 145.2, false, false, false
          FROM res_partner_lifecycle l
         WHERE l.company_id = %(company)s AND random() < %(share)s
     RETURNING partner_id
        """,
            prefix=DAILY_ORDER,
            company=company.id,
            currency=company.currency_id.id,
            share=share,
        )
    )
    lifecycle.mark(cr, [(partner_id, company.id) for (partner_id,) in cr.fetchall()])
    company.sudo().lifecycle_last_date -= timedelta(days=1)


def forget_daily_orders(env):
    """Remove the orders of ``buy_today`` and bring the rows back (untimed)."""
    from odoo.addons.partner_segmentation.engine import lifecycle

    cr = env.cr
    cr.execute("DELETE FROM sale_order WHERE name LIKE %s RETURNING partner_id", [DAILY_ORDER + "%"])
    lifecycle.mark(cr, [(partner_id, env.company.id) for (partner_id,) in cr.fetchall()])
    env.company.action_recompute_lifecycle()


def checkpoint_settle(env):
    """A step for ``BEFORE_EACH_RUN``: a CHECKPOINT, so the dirty pages an earlier run (or
    scenario) left are written before the next timed run, not during it, and every run
    pays the full-page images of what it touches first (as a daily job does after the
    server's own checkpoints). None when the database user may not run CHECKPOINT."""
    env.cr.execute(
        "SELECT rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER')"
        " FROM pg_roles WHERE rolname = current_user"
    )
    if not env.cr.fetchone()[0]:
        return None
    return lambda: env.cr.execute("CHECKPOINT")


GENERATED_TABLES = (
    "res_partner",
    "sale_order",
    "sale_order_line",
    "crm_lead",
    "res_partner_res_partner_category_rel",
)


def vacuum(env, table):
    """VACUUM ANALYZE ``table`` outside the bench's transaction (as autovacuum would)."""
    with env.registry.cursor() as cr:
        cr._cnx.autocommit = True  # VACUUM cannot run in a transaction
        cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))


def measure_lifecycle(env, repeats, commit):
    """The first computation of a company, a rerun with nothing changed, and the daily run
    after 1 % of the customers bought (``buy_today``)."""
    company = env.company
    env.cr.execute("DELETE FROM res_partner_lifecycle WHERE company_id = %s", [company.id])
    company.sudo().write({"lifecycle_last_run": False, "lifecycle_last_date": False})  # a first computation
    first = timed(company.action_recompute_lifecycle, 1, commit=commit)
    unchanged = timed(company.action_recompute_lifecycle, repeats, commit=commit)
    env.cr.execute(
        "SELECT count(*), count(rfm_segment) FROM res_partner_lifecycle WHERE company_id = %s", [company.id]
    )
    with_stage, scored = env.cr.fetchone()
    if commit:  # the day between two runs: autovacuum clears the first run's dead rows
        vacuum(env, "res_partner_lifecycle")
    try:
        daily = timed(company.action_recompute_lifecycle, repeats, before=lambda: buy_today(env), commit=commit)
    finally:
        forget_daily_orders(env)
        if commit:
            commit()
    return {
        "partners_with_stage": with_stage,
        "first": first,
        "unchanged": unchanged,
        "daily": {"share_bought": DAILY_SHARE, **daily},
        "rfm": {"customers_scored": scored, "scoring": measure_rfm_scoring(env, repeats)},
    }


def measure_rfm_scoring(env, repeats):
    """What RFM adds to each lifecycle run: the fifth-thresholds of the three measures over
    the company's customers who bought (the scores are then four comparisons a row), timed
    on their own over the purchases a full run collects."""
    from odoo.addons.partner_segmentation.engine import lifecycle
    from odoo.addons.partner_segmentation.engine.batch import drop_temp_tables

    cr = env.cr
    lifecycle.collect_purchases(cr, env.company.id, date.today())
    try:
        return timed(lambda: lifecycle.todays_rfm_thresholds(cr, env.company.id), repeats)
    finally:  # the queue entries it took stay queued
        drop_temp_tables(cr, lifecycle.TAKEN_TABLE, lifecycle.PURCHASES_TABLE)


def mailing_segment(env, size):
    """A dynamic segment of ``size`` generated partners (the first ones, by id)."""
    env.cr.execute(
        """SELECT max(id) FROM (SELECT id FROM res_partner
                        WHERE name LIKE 'Bench partner %%' ORDER BY id LIMIT %s) s""",
        [size],
    )
    last_id = env.cr.fetchone()[0]
    segment = env["res.partner.segment"].create(
        {
            "name": f"Bench mailing {size}",
            "company_id": env.company.id,
            "domain": f"[('name', '=like', 'Bench partner %'), ('id', '<=', {last_id})]",
        }
    )
    segment.action_recompute()
    return segment


def measure_mailing(env, segment, repeats, commit):
    lists = []

    def new_list():
        lists.append(env["mailing.list"].create({"name": f"Bench list {len(lists)}"}))

    first = timed(lambda: segment._push_to_list(lists[-1], "sync"), repeats, before=new_list, commit=commit)
    figures = segment._push_to_list(lists[-1], "sync")
    resync = timed(lambda: segment._push_to_list(lists[-1], "sync"), repeats, commit=commit)
    return {
        "segment_members": segment.member_count,
        "subscribed": figures["already"],
        "no_email": figures["no_address"],
        "first": first,
        "unchanged_resync": resync,
    }


def bench_user(env):
    """An internal segmentation user of the bench company who reads purchase figures, as
    exports and explanations are made: Odoo's partner rules apply to what it reads."""
    Users = env["res.users"].sudo().with_context(active_test=False)
    groups = (
        "base.group_user",
        "partner_segmentation.group_segment_user",
        "sales_team.group_sale_salesman_all_leads",
    )
    values = {
        "company_id": env.company.id,
        "company_ids": [(6, 0, env.company.ids)],
        "groups_id": [(6, 0, [env.ref(xmlid).id for xmlid in groups])],
    }
    user = Users.search([("login", "=", "bench_export_user")], limit=1)
    if user:
        user.write(values)
    else:
        user = Users.create({"name": "Bench export user", "login": "bench_export_user", **values})
    return user


def measure_reports(env, repeats, commit):
    """Sales Analysis, quotations/orders and the pipeline grouped by the customer's lifecycle
    stage, as a company user who reads every order: one read_group each (Sales Analysis
    reads order lines: the generated orders get one each, once)."""
    if "partner_lifecycle_stage" not in env["sale.report"]._fields:
        return NOT_AVAILABLE
    Product = env["product.product"].sudo()
    product = Product.search([("default_code", "=", "BENCH")], limit=1) or Product.create(
        {"name": "Bench product", "default_code": "BENCH"}
    )
    added = generator.order_lines(env.cr, product.id, product.uom_id.id)
    if commit:
        commit()
    user = bench_user(env)
    out = {"order_lines_added": added}
    for model, measure in (
        ("sale.report", "price_subtotal:sum"),
        ("sale.order", "amount_untaxed:sum"),
        ("crm.lead", "expected_revenue:sum"),
    ):
        Model = env[model].with_user(user)
        out[model] = timed(
            lambda M=Model, m=measure: M._read_group([], ["partner_lifecycle_stage"], ["__count", m]), repeats
        )
    return out


def measure_export(env, segment, repeats):
    """Members CSV export of ``segment`` (COPY into a temporary file, as the download route
    does): as the superuser, and as a company user whose export is filtered by its rights."""
    from odoo.addons.partner_segmentation.engine import insights

    def export(as_segment):
        def run():
            with tempfile.TemporaryFile() as stream:
                insights.copy_csv(
                    env.cr,
                    insights.export_query(as_segment.id, "members", as_segment._readable_partners_condition("p")),
                    stream,
                )
                return stream.tell()

        return run

    as_user = segment.with_user(bench_user(env))
    return {
        "members": segment.member_count,
        "size_bytes": export(segment)(),
        "company_user_size_bytes": export(as_user)(),
        "superuser": timed(export(segment), repeats),
        "company_user": timed(export(as_user), repeats),
    }


def measure_search(env, segment, repeats, by_stage=True):
    Partner = env["res.partner"].with_company(env.company)
    out = {} if by_stage else {"by lifecycle stage": NOT_AVAILABLE}
    searches = [("by segment", [("segment_ids", "in", segment.ids)])]
    if by_stage:
        searches.insert(0, ("by lifecycle stage", [("lifecycle_stage", "=", "churn")]))
    for name, domain in searches:
        out[name] = timed(lambda d=domain: (Partner.search(d, limit=80), Partner.search_count(d)), repeats)
    return out


def form_spec(Segment):
    """What the web client reads when the segment form opens: every field of the form
    view, relations with their display names (the x2many lists limited as the view does)."""
    fields = Segment.get_views([(False, "form")])["models"][Segment._name]["fields"]
    spec = {}
    for name, field in fields.items():
        if field["type"] in ("many2one", "many2many", "one2many"):
            spec[name] = {"fields": {"display_name": {}}, **({"limit": 40} if field["type"] != "many2one" else {})}
        else:
            spec[name] = {}
    return spec


WORKER_SEGMENTS = 8


def measure_workers(env, segments, repeats):
    """The scheduler with one and with two workers at once (two Odoo cron threads, or two
    servers): ``WORKER_SEGMENTS`` due segments, built from the scenarios' conditions,
    recomputed by ``_cron_recompute`` in one thread, then in two threads, each on its own
    connection and committing per segment as cron workers do; wall time of each (unchanged
    rebuilds, after a first build). Needs committed data: not under tests."""
    import odoo

    Segment = env["res.partner.segment"]
    domains = [segment.domain for segment in segments.values()]
    workers = Segment.create(
        [
            {"name": f"Bench worker {i}", "domain": domains[i % len(domains)], "company_id": env.company.id}
            for i in range(WORKER_SEGMENTS)
        ]
    )
    registry = env.registry

    def make_due():
        env.cr.execute(
            "UPDATE res_partner_segment SET recompute_requested_at = NULL,"
            " next_recompute_at = now() at time zone 'utc' - interval '1 minute' WHERE id IN %s",
            [tuple(workers.ids)],
        )
        env.cr.commit()

    def worker():
        with registry.cursor() as cr:
            odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["res.partner.segment"]._cron_recompute()

    def run(count):
        threads = [threading.Thread(target=worker) for _i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    make_due()
    run(1)  # first builds
    out = {"segments": WORKER_SEGMENTS}
    for count in (1, 2):
        out[f"{count}_worker{'s' if count > 1 else ''}"] = timed(lambda c=count: run(c), repeats, before=make_due)
    env.invalidate_all()
    out["all_computed"] = all(workers.mapped("last_computed_at")) and not any(workers.mapped("last_error"))
    workers.unlink()
    env.cr.commit()
    return out


def measure_forms(env, segments, repeats):
    """What a user waits for every time: opening a segment's form (a ``web_read`` of the
    form's fields, as a company user) and the "Why?" of one member, per scenario."""
    user = bench_user(env)
    Explain = env["res.partner.segment.explain.wizard"].with_user(user)
    spec = form_spec(env["res.partner.segment"].with_user(user))
    out = {}
    for name, segment in segments.items():
        as_user = segment.with_user(user)
        env.cr.execute(
            SQL("SELECT partner_id FROM %s WHERE segment_id = %s LIMIT 1", member_table(env), segment.id)
        )
        partner_id = env.cr.fetchone()[0]

        def open_form(s=as_user):
            s.invalidate_recordset()
            return s.web_read(spec)

        def explain(s=segment, p=partner_id):
            return Explain.create({"segment_id": s.id, "partner_id": p}).line_ids.mapped("met")

        out[name] = {"open_form": timed(open_form, repeats), "why": timed(explain, repeats)}
    return out


def measure_all(env, repeats=3, commit=None, today=None, mailing_size=180_000, naive_timeout=300, log=quiet):
    """Every measurement of the bench; returns a JSON-able dict. Sections whose code is
    not installed yet are reported as NOT_AVAILABLE."""
    today = today or date.today()
    start_rss = rss_mb()
    have = available(env)
    report = {"today": str(today), "repeats": repeats, "available": have}
    if have["lifecycle"]:
        log("lifecycle recompute of every partner")
        report["lifecycle"] = measure_lifecycle(env, repeats, commit)
    else:
        report["lifecycle"] = NOT_AVAILABLE
    report["segments"], segments = measure_segments(
        env, repeats, commit, today, naive_timeout, log=log, metrics=have["metrics"] and have["lifecycle"]
    )
    if have["mailing"]:
        log(f"mailing sync of a {mailing_size}-partner segment")
        mail_segment = mailing_segment(env, mailing_size)
        report["mailing"] = measure_mailing(env, mail_segment, repeats, commit)
        report["mailing_segment_domain"] = mail_segment.domain
        log(f"members export of the {mailing_size}-partner segment")
        report["export"] = measure_export(env, mail_segment, repeats)
    else:
        report["mailing"] = NOT_AVAILABLE
    if commit:
        log(f"scheduler: {WORKER_SEGMENTS} due segments with one, then two workers")
        report["workers"] = measure_workers(env, segments, repeats)
    log("segment form and Why? as a company user")
    report["forms"] = measure_forms(env, segments, repeats)
    log("partner list searches")
    report["search"] = measure_search(env, segments["tag: VIP"], repeats, by_stage=have["lifecycle"])
    log("Sales Analysis, orders and pipeline grouped by lifecycle stage")
    report["reports"] = measure_reports(env, repeats, commit)
    report["memory"] = {
        "start_mb": round(start_rss),
        "peak_mb": round(rss_mb()),
        "growth_mb": round(rss_mb() - start_rss),
    }
    report["targets"] = check_targets(report)
    return report


def measure_scale(env, repeats, commit, mailing_size, log=quiet):
    """The scaling run's figures at this size (``bench/scale.py`` sets sizes side by side):
    each segment scenario's first build and unchanged rebuild with PostgreSQL's own SELECT
    and insert of the same set beside them, the lifecycle runs, the mailing sync into an
    empty list."""
    Segment = env["res.partner.segment"]
    log("lifecycle runs")
    report = {"today": str(date.today()), "repeats": repeats, "only": "scale"}
    report["lifecycle"] = measure_lifecycle(env, repeats, commit)
    report["segments"] = []
    scratch = scratch_segment(env)
    for name, domain, reference in segment_scenarios(env, date.today()):
        log(f"segment: {name}")
        segment = Segment.create({"name": f"Bench {name}", "domain": domain, "company_id": env.company.id})
        first = timed(segment.action_recompute, repeats, before=emptied(env, segment, commit), commit=commit)
        rebuild = timed(segment.action_recompute, repeats, commit=commit)
        report["segments"].append(
            {
                "scenario": name,
                "members": segment.member_count,
                "first": first,
                "rebuild": rebuild,
                # PostgreSQL's own SQL for the same set, at the same size: how it grows
                "reference": reference_time(env, reference, repeats)[0],
                "write_floor": insert_time(env, member_table(env), scratch.id, reference, repeats),
            }
        )
    scratch.unlink()
    log(f"mailing sync of a {mailing_size}-partner segment")
    report["mailing"] = measure_mailing(env, mailing_segment(env, mailing_size), repeats, commit)
    return report


def check_targets(report):
    """Each target of the issue: measured value, target, met."""
    out = []

    def add(name, value, target):
        out.append({"target": name, "value": value, "limit": target, "met": value <= target})

    for seg in report.get("segments", []):  # the ratio targets: relation and metrics conditions
        if "reference" in seg and seg["scenario"].startswith(("relation", "metrics", "live")):
            # a first build stores every member: against PostgreSQL's own insert of the same
            # rows into the member table, its foreign keys included (the scale issue's floor)
            add(
                f"{seg['scenario']}: first build / SQL insert",
                seg["ratio_first_vs_write"],
                FIRST_BUILD_TARGET,
            )
            add(f"{seg['scenario']}: unchanged rebuild / SQL", seg["ratio_rebuild"], RATIO_TARGET)
    if isinstance(report["lifecycle"], dict):
        add(
            "lifecycle recompute, all partners (s)", report["lifecycle"]["first"]["median"], TARGETS["lifecycle_s"]
        )
        add(
            "daily lifecycle run, 1 % bought (s)",
            report["lifecycle"]["daily"]["median"],
            TARGETS["lifecycle_daily_s"],
        )
    if isinstance(report.get("mailing"), dict):
        add(
            "mailing sync into an empty list (s)", report["mailing"]["first"]["median"], TARGETS["mailing_first_s"]
        )
        add(
            "unchanged mailing re-sync (s)",
            report["mailing"]["unchanged_resync"]["median"],
            TARGETS["mailing_resync_s"],
        )
    for name, times in report.get("forms", {}).items():
        add(f"{name}: open the segment form (s)", times["open_form"]["median"], TARGETS["form_s"])
        add(f"{name}: Why? of one member (s)", times["why"]["median"], TARGETS["form_s"])
    if "memory" in report:
        add("Odoo process memory growth (MB)", report["memory"]["growth_mb"], TARGETS["memory_growth_mb"])
    return out


def run_oca(conf, db, domain, timeout):
    """OCA mass_mailing_list_dynamic syncing the same partners, in its own process, with a
    time limit. Returns seconds, or None when it did not finish in time."""
    script = f"""
import time
lst = env['mailing.list'].create({{'name': 'OCA dynamic bench', 'dynamic': True,
                                   'sync_method': 'full', 'sync_domain': {domain!r}}})
env.cr.commit()
start = time.perf_counter()
lst.action_sync()
env.cr.commit()
print('OCA_SECONDS', time.perf_counter() - start, lst.contact_count)
"""
    odoo_bin = os.path.join(os.environ["ODOO_SRC"], "odoo-bin")
    try:
        done = subprocess.run(
            [sys.executable, odoo_bin, "shell", "-c", conf, "-d", db, "--log-level=warn"],
            input=script,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, None
    for line in done.stdout.splitlines():
        if line.startswith("OCA_SECONDS"):
            _tag, seconds, count = line.split()
            return round(float(seconds), 1), int(count)
    raise RuntimeError(f"OCA sync failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")


def export_lines(report):
    export = report.get("export")
    if not export:
        return []
    return [
        f"members export of {export['members']} partners ({export['size_bytes']} bytes of "
        f"CSV): superuser {export['superuser']['min']}/{export['superuser']['median']} s, "
        f"company user (rights applied) {export['company_user']['min']}/"
        f"{export['company_user']['median']} s"
    ]


def form_lines(report):
    def span(times):
        return f"{times['min']}/{times['median']} s"

    return [
        f"{name}: open the segment form {span(times['open_form'])}, Why? of one member {span(times['why'])} "
        f"(target <= {TARGETS['form_s']} s)"
        for name, times in report.get("forms", {}).items()
    ]


def report_lines(report):
    """The Sales Analysis, orders and pipeline groupings, one line each."""
    reports = report.get("reports")
    return [
        f"{model} grouped by customer lifecycle stage: {result['min']}/{result['median']} s"
        for model, result in (reports.items() if isinstance(reports, dict) else ())
        if isinstance(result, dict)
    ]


def lifecycle_lines(report):
    lines = []
    life = report["lifecycle"]
    if isinstance(life, dict):
        lines += [
            "",
            f"lifecycle recompute ({life['partners_with_stage']} customers with a stage): "
            f"first {life['first']['median']} s (target <= {TARGETS['lifecycle_s']} s), rerun unchanged "
            f"{life['unchanged']['min']}/{life['unchanged']['median']} s, daily run after "
            f"{life['daily']['share_bought']:.0%} bought {life['daily']['min']}/{life['daily']['median']} s "
            f"(target <= {TARGETS['lifecycle_daily_s']} s)",
            f"  of which RFM scoring of {life['rfm']['customers_scored']} customers: "
            f"{life['rfm']['scoring']['min']}/{life['rfm']['scoring']['median']} s",
        ]
    else:
        lines += ["", f"lifecycle recompute: {life}"]
    return lines


def table(report):
    lines = [
        "",
        "partner_segmentation benchmark "
        f"({report.get('partners', '?')} partners, {report['repeats']} runs, min/median s)",
        "",
    ]
    row = "{:<44} {:>8} {:>13} {:>13} {:>13} {:>13} {:>13} {:>7} {:>7} {:>7}"
    lines.append(
        row.format(
            "segment recompute",
            "members",
            "first",
            "rebuild",
            "SQL select",
            "SQL insert",
            "insert no FK",
            "x first",
            "x rebld",
            "x insrt",
        )
    )
    for seg in report["segments"]:
        if "reference" in seg:
            lines.append(
                row.format(
                    seg["scenario"][:44],
                    seg["members"],
                    f"{seg['first']['min']}/{seg['first']['median']}",
                    f"{seg['rebuild']['min']}/{seg['rebuild']['median']}",
                    f"{seg['reference']['min']}/{seg['reference']['median']}",
                    f"{seg['write_floor']['min']}/{seg['write_floor']['median']}",
                    f"{seg['write_floor_no_fk']['min']}/{seg['write_floor_no_fk']['median']}",
                    seg["ratio_first"],
                    seg["ratio_rebuild"],
                    seg["ratio_first_vs_write"],
                )
            )
        elif seg["first"]:
            lines.append(
                f"{seg['scenario']}: {seg['first']['median']} s " f"({seg['ratio_vs_ours']}x our first build)"
            )
        else:
            lines.append(
                f"{seg['scenario']}: did not finish in {seg['timeout']} s "
                f"(>{seg['ratio_vs_ours']}x our first build)"
            )
    lines += lifecycle_lines(report)
    mail = report["mailing"]
    if isinstance(mail, dict):
        lines.append(
            f"mailing sync of {mail['segment_members']} partners ({mail['subscribed']} "
            f"emails) into an empty list: {mail['first']['min']}/{mail['first']['median']}"
            " s (target <= 30 s); unchanged re-sync "
            f"{mail['unchanged_resync']['min']}/{mail['unchanged_resync']['median']} s "
            "(target <= 5 s)"
        )
    else:
        lines.append(f"mailing sync: {mail}")
    lines += export_lines(report)
    oca = report.get("oca")
    if oca:
        lines.append(
            "OCA mass_mailing_list_dynamic, same partners: "
            + (
                f"{oca['seconds']} s ({oca['ratio_vs_ours']}x ours)"
                if oca["seconds"] is not None
                else f"did not finish in {oca['timeout']} s (>{oca['ratio_vs_ours']}x ours)"
            )
        )
    for name, result in report["search"].items():
        lines.append(
            f"partner list search {name} (80 rows + count): "
            + (f"{result['min']}/{result['median']} s" if isinstance(result, dict) else result)
        )
    lines += form_lines(report)
    workers = report.get("workers")
    if workers:
        lines.append(
            f"scheduler, {workers['segments']} due segments (unchanged rebuilds): one worker "
            f"{workers['1_worker']['median']} s, two workers {workers['2_workers']['median']} s"
            + ("" if workers["all_computed"] else " (NOT ALL COMPUTED)")
        )
    lines += report_lines(report)
    mem = report["memory"]
    lines.append(
        f"Odoo process memory: {mem['start_mb']} MB at start, peak {mem['peak_mb']} MB "
        f"(growth {mem['growth_mb']} MB, target < 200 MB)"
    )
    missed = [t for t in report.get("targets", []) if not t["met"]]
    lines += ["", f"targets: {len(report.get('targets', [])) - len(missed)} met, {len(missed)} missed"]
    lines += [f"  MISSED {t['target']}: {t['value']} (limit {t['limit']})" for t in missed]
    for seg in report["segments"]:
        if "profile" in seg:
            lines.append(f"  plan of {seg['scenario']} (ours, then SQL), full plans in the JSON:")
            lines += [f"    {line}" for line in seg["profile"]["selection_plan"][-3:]]
            lines += [f"    {line}" for line in seg["profile"]["reference_plan"][-3:]]
    return "\n".join(lines)


def measure_requested(env, args, commit, progress):
    """Every section, or the one of ``--only``."""
    if args.only == "lifecycle":
        report = {"today": str(date.today()), "repeats": args.repeats, "only": args.only}
        report["lifecycle"] = measure_lifecycle(env, args.repeats, commit)
        report["targets"] = check_targets(report)
        return report
    if args.only == "scale":
        return measure_scale(env, args.repeats, commit, args.mailing_size, log=progress)
    return measure_all(
        env,
        args.repeats,
        commit=commit,
        mailing_size=args.mailing_size,
        naive_timeout=args.naive_timeout,
        log=progress,
    )


# the server settings a run's figures depend on most, kept with them: a working set above
# shared_buffers is read through the operating system's cache, a run writing more than
# max_wal_size of WAL forces a checkpoint in its middle, rebuilds use parallel workers
SERVER_SETTINGS = (
    "shared_buffers",
    "max_wal_size",
    "work_mem",
    "effective_cache_size",
    "jit",
    "max_parallel_workers_per_gather",
    "max_parallel_workers",
)


def server_settings(env):
    env.cr.execute("SELECT name, current_setting(name) FROM pg_settings WHERE name IN %s", [SERVER_SETTINGS])
    return dict(sorted(env.cr.fetchall()))


def start_clean(env, checkpoint):
    """The last run's segments and their members gone (vacuumed, as between two days), and
    with ``checkpoint`` a CHECKPOINT before each timed run."""
    env["res.partner.segment"].search([("name", "=like", "Bench %")]).unlink()
    env.cr.commit()
    vacuum(env, member_table_name(env))
    if checkpoint:
        settle = checkpoint_settle(env)
        if settle:
            BEFORE_EACH_RUN.append(settle)
        else:
            print("--checkpoint: this database user may not run CHECKPOINT; runs are not settled", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--partners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mailing-size", type=int, default=180_000)
    parser.add_argument("--oca-timeout", type=int, default=300)
    parser.add_argument("--naive-timeout", type=int, default=300)
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", choices=["lifecycle", "scale"], help="measure this section only")
    parser.add_argument("--checkpoint", action="store_true", help="a CHECKPOINT before each timed run")
    args = parser.parse_args()

    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.conf, "-d", args.db, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.db)
    marker = f"{args.partners}:{args.seed}:{generator.GENERATOR_VERSION}"
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        param = env["ir.config_parameter"]
        if param.get_param("partner_segmentation.bench_data") != marker:
            if param.get_param("partner_segmentation.bench_data"):
                sys.exit("This database holds another data set: drop it (make bench does).")
            start = time.perf_counter()
            counts = generator.generate(cr, args.partners, args.seed)
            param.set_param("partner_segmentation.bench_data", marker)
            cr.commit()
            # as autovacuum leaves a settled database: the first reads of freshly loaded
            # tables set their hint bits, and a first bench on a new machine timed first
            # builds at twice its later runs (the visibility map was empty too)
            for generated in GENERATED_TABLES:
                vacuum(env, generated)
            print(f"generated {counts} in {time.perf_counter() - start:.0f} s", flush=True)
        start_clean(env, args.checkpoint)
        started = time.perf_counter()

        def progress(message):
            print(f"[bench {time.perf_counter() - started:6.0f} s] {message}", flush=True)

        report = measure_requested(env, args, cr.commit, progress)
        report.update(
            partners=args.partners,
            checkpoint_before_each_run=bool(BEFORE_EACH_RUN),
            server=server_settings(env),
        )
        cr.commit()
    if args.oca_timeout and isinstance(report.get("mailing"), dict):
        print(f"OCA mass_mailing_list_dynamic full sync (limit {args.oca_timeout} s)", flush=True)
        seconds, count = run_oca(args.conf, args.db, report["mailing_segment_domain"], args.oca_timeout)
        ours = report["mailing"]["first"]["median"]
        report["oca"] = {
            "seconds": seconds,
            "contacts": count,
            "timeout": args.oca_timeout,
            "ratio_vs_ours": round((seconds or args.oca_timeout) / max(ours, 1e-3), 1),
        }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=2)
    print(table(report) if not args.only else "\n".join(lifecycle_lines(report)))
    for seg in report["segments"] if args.only == "scale" else ():
        print(f"{seg['scenario']}: first {seg['first']['median']} s, rebuild {seg['rebuild']['median']} s")
    print(f"\nJSON: {args.out}")


if __name__ == "__main__":
    main()
