"""Synthetic but realistic customer base, loaded by set-based SQL.

``partners`` partners (every tenth a company with two contacts, one in nine without email,
one in twenty tagged VIP), about 1.75 confirmed orders per partner over four years with
skewed customers, amounts and gaps, plus quotations (open and cancelled) and opportunities
(open and lost). Seeded and single-threaded, so two runs with the same arguments load the
same data.
"""

from odoo.tools import SQL

GENERATOR_VERSION = 1
TAG_NAME = "Bench VIP"


def generate(cr, partners=1_000_000, seed=0.42, today=None, company_id=1):
    """Load the data set; returns {table: rows inserted}. ``today`` defaults to CURRENT_DATE."""
    today = SQL("%s::date", today) if today else SQL("CURRENT_DATE")
    cr.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    cr.execute(SQL("SELECT setseed(%s)", seed))
    cr.execute("SELECT coalesce(max(id), 0) FROM res_partner")
    base = cr.fetchone()[0]
    counts = {}
    cr.execute(
        SQL(
            """
        INSERT INTO res_partner (id, name, complete_name, email, email_normalized, is_company,
                                 parent_id, commercial_partner_id, type, active, lang,
                                 autopost_bills, customer_rank, supplier_rank,
                                 create_date, write_date, create_uid, write_uid)
        SELECT %(base)s + g, 'Bench partner ' || g, 'Bench partner ' || g,
               CASE WHEN mod(g, 9) = 0 THEN NULL ELSE 'Bench' || g || '@Example.com' END,
               CASE WHEN mod(g, 9) = 0 THEN NULL ELSE 'bench' || g || '@example.com' END,
               mod(g, 10) = 0,
               CASE WHEN mod(g, 10) IN (1, 2) THEN %(base)s + g - mod(g, 10) END,
               CASE WHEN mod(g, 10) IN (1, 2) THEN %(base)s + g - mod(g, 10) ELSE %(base)s + g END,
               'contact', true, 'en_US', 'ask', 1, 0,
               now() at time zone 'utc', now() at time zone 'utc', 1, 1
          FROM generate_series(1, %(n)s) g
        """,
            base=base,
            n=partners,
        )
    )
    counts["res_partner"] = cr.rowcount
    cr.execute("SELECT setval('res_partner_id_seq', (SELECT max(id) FROM res_partner))")
    cr.execute(
        SQL(
            """
        WITH tag AS (
            INSERT INTO res_partner_category (name, active, create_date, write_date)
            VALUES (jsonb_build_object('en_US', %(tag)s), true, now(), now()) RETURNING id)
        INSERT INTO res_partner_res_partner_category_rel (partner_id, category_id)
        SELECT %(base)s + g, tag.id FROM generate_series(20, %(n)s, 20) g, tag
        """,
            tag=TAG_NAME,
            base=base,
            n=partners,
        )
    )
    counts["tags"] = cr.rowcount
    cr.execute("UPDATE res_partner_category SET parent_path = id || '/' WHERE parent_path IS NULL")
    # Orders: customers drawn with a skew (a few buy often, most rarely); each order placed by
    # the customer or, for companies, sometimes by one of its contacts.
    cr.execute(
        SQL(
            """
        INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, state, date_order, create_date, write_date,
                                create_uid, write_uid, currency_id, amount_untaxed, amount_tax,
                                amount_total, require_signature, require_payment, locked)
        SELECT 'BENCH/' || g, o.partner, o.partner, o.partner, %(company)s, o.state, o.placed,
               o.placed - make_interval(days => o.deal_days), o.placed, 1, 1,
               (SELECT currency_id FROM res_company WHERE id = %(company)s),
               o.amount, round(o.amount * 0.21, 2), round(o.amount * 1.21, 2), false, false, false
          FROM (
            SELECT g,
                   %(base)s + 1 + floor(power(random(), 2.2) * %(n)s)::int AS partner,
                   CASE WHEN r < 0.86 THEN 'sale' WHEN r < 0.95 THEN 'draft' ELSE 'cancel' END AS state,
                   (%(today)s - floor(power(random(), 1.3) * 1460)::int)::timestamp
                       + make_interval(mins => floor(random() * 600)::int + 480) AS placed,
                   floor(random() * 20)::int AS deal_days,
                   round((20 + exp(random() * 7))::numeric, 2) AS amount
              FROM (SELECT g, random() AS r FROM generate_series(1, %(orders)s) g) s
          ) o
        """,
            company=company_id,
            base=base,
            n=partners,
            orders=int(partners * 2.035),
            today=today,
        )
    )
    counts["sale_order"] = cr.rowcount
    cr.execute(
        SQL(
            """
        INSERT INTO crm_lead (name, type, active, partner_id, company_id, stage_id, probability,
                              expected_revenue, create_date, write_date, create_uid, write_uid)
        SELECT 'Bench opportunity ' || g, 'opportunity', random() > 0.4,
               %(base)s + g, %(company)s,
               (SELECT id FROM crm_stage ORDER BY sequence, id LIMIT 1), 10,
               round((random() * 10000)::numeric, 2),
               now() at time zone 'utc', now() at time zone 'utc', 1, 1
          FROM generate_series(7, %(n)s, 33) g
        """,
            base=base,
            company=company_id,
            n=partners,
        )
    )
    counts["crm_lead"] = cr.rowcount
    for table in ("res_partner", "sale_order", "crm_lead", "res_partner_res_partner_category_rel"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    return counts


def order_lines(cr, product_id, uom_id):
    """One line per generated order that has none (Sales Analysis reads lines): the order's
    untaxed amount on one unit of ``product_id``. Returns the number of lines added."""
    cr.execute(
        SQL(
            """
        INSERT INTO sale_order_line (order_id, sequence, company_id, currency_id, order_partner_id,
                                     salesman_id, product_id, product_uom, state, invoice_status, name,
                                     product_uom_qty, price_unit, technical_price_unit, discount,
                                     price_subtotal, price_tax, price_total, price_reduce_taxexcl,
                                     price_reduce_taxinc, qty_delivered, qty_invoiced, qty_to_invoice,
                                     untaxed_amount_invoiced, untaxed_amount_to_invoice, is_downpayment,
                                     is_expense, customer_lead, create_uid, write_uid, create_date, write_date)
        SELECT so.id, 10, so.company_id, so.currency_id, so.partner_id, so.user_id, %(product)s, %(uom)s,
               so.state, 'no', 'Bench product', 1, so.amount_untaxed, so.amount_untaxed, 0,
               so.amount_untaxed, so.amount_tax, so.amount_total, so.amount_untaxed, so.amount_total,
               0, 0, 0, 0, 0, false, false, 0, 1, 1, so.create_date, so.write_date
          FROM sale_order so
         WHERE so.name LIKE %(generated)s
           AND NOT EXISTS (SELECT 1 FROM sale_order_line l WHERE l.order_id = so.id)
         ORDER BY so.id
        """,
            product=product_id,
            uom=uom_id,
            generated="BENCH/%",
        )
    )
    added = cr.rowcount
    cr.execute("ANALYZE sale_order_line")
    return added
