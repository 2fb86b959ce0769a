"""Set-based figures for segment insights: pairwise overlaps and member exports."""

from odoo.tools import SQL

from .membership import MEMBER_TABLE


def overlaps(cr, segment_ids, visible=None):
    """{(a, b): shared members} for every pair a <= b of the segments (a == b: its size),
    in one grouped self-join of the member table; with ``visible`` (SQL selecting partner
    ids), only members among those. Archived partners are left out, as from the counts."""
    cr.execute(
        SQL(
            """
        SELECT a.segment_id, b.segment_id, count(*)
          FROM %(members)s a JOIN %(members)s b
            ON b.partner_id = a.partner_id AND a.segment_id <= b.segment_id
          JOIN res_partner p ON p.id = a.partner_id
         WHERE a.segment_id = ANY(%(ids)s) AND b.segment_id = ANY(%(ids)s) AND p.active AND %(visible)s
         GROUP BY a.segment_id, b.segment_id
        """,
            members=SQL.identifier(MEMBER_TABLE),
            ids=list(segment_ids),
            visible=SQL("a.partner_id IN (%s)", visible) if visible is not None else SQL("TRUE"),
        )
    )
    return {(a, b): count for a, b, count in cr.fetchall()}


def partners_in_any(cr, segment_ids, visible=None):
    """How many partners are members of at least one of the segments (with ``visible``,
    only those among them): what the overlap matrix's totals are not (a sum or a maximum of
    pair counts)."""
    cr.execute(
        SQL(
            """SELECT count(DISTINCT m.partner_id) FROM %(members)s m JOIN res_partner p ON p.id = m.partner_id
                WHERE m.segment_id = ANY(%(ids)s) AND p.active AND %(visible)s""",
            members=SQL.identifier(MEMBER_TABLE),
            ids=list(segment_ids),
            visible=SQL("m.partner_id IN (%s)", visible) if visible is not None else SQL("TRUE"),
        )
    )
    return cr.fetchone()[0]


# Google Customer Match / Meta customer-list layout: identifiers normalized then SHA-256
# hashed (lowercase hex); country and zip in clear.
def _sha256(expression):
    return SQL("encode(sha256(convert_to(%s, 'UTF8')), 'hex')", expression)


NORMALIZED_EMAIL = SQL("nullif(lower(btrim(p.email)), '')")
# E.164: digits only, with the country code; a leading 00 is the international prefix, a
# leading 0 is dropped before prefixing the partner's country code.
_RAW_PHONE = "regexp_replace(coalesce(p.phone, p.mobile, ''), '\\(0\\)', '', 'g')"  # "+32 (0)9"
_DIGITS = f"regexp_replace({_RAW_PHONE}, '[^0-9]', '', 'g')"
NORMALIZED_PHONE = SQL(f"""CASE
         WHEN {_DIGITS} = '' THEN NULL
         WHEN btrim({_RAW_PHONE}) LIKE '+%%' THEN '+' || {_DIGITS}
         WHEN {_DIGITS} LIKE '00%%' THEN '+' || substr({_DIGITS}, 3)
         WHEN c.phone_code IS NOT NULL THEN '+' || c.phone_code || ltrim({_DIGITS}, '0')
         ELSE '+' || {_DIGITS}
       END""")
# A person's name is split into first and last names; a company's is not a person's name
# and goes whole into the Company column instead.
FIRST_NAME = SQL("CASE WHEN NOT p.is_company THEN nullif(lower(btrim(split_part(btrim(p.name), ' ', 1))), '') END")
LAST_NAME = SQL(
    "CASE WHEN NOT p.is_company THEN "
    "nullif(lower(btrim(substr(btrim(p.name), length(split_part(btrim(p.name), ' ', 1)) + 1))), '') END"
)
COMPANY_NAME = SQL(
    "nullif(btrim(coalesce(p.commercial_company_name, CASE WHEN p.is_company THEN p.name END)), '')"
)


def csv_safe(expression):
    """A text cell a spreadsheet will not run as a formula: a leading ``=``, ``@``, tab or
    carriage return, or a leading ``+``/``-`` unless the whole cell is a phone number
    (digits, spaces, ``().-``), gets a quote in front: +375 29 000 00 00 stays as it is."""
    return SQL(
        """CASE WHEN %(e)s ~ '^[=@\\t\\r]'
                  OR (%(e)s ~ '^[+-]' AND %(e)s !~ '^[+-]?[0-9][0-9 ().-]*$')
                THEN '''' || %(e)s ELSE %(e)s END""",
        e=expression,
    )


def export_query(segment_id, kind, visible=None):
    """SQL for the members of a segment as CSV rows: ``members`` (readable) or ``audience``
    (hashed identifiers for ad platforms). ``visible``: a condition on the partner ``p``
    that the requesting user may read it; other members are left out (None: all), as are
    archived ones (kept by a static segment), which no Odoo list shows either."""
    source = SQL(
        """FROM %s m JOIN res_partner p ON p.id = m.partner_id
           LEFT JOIN res_country c ON c.id = p.country_id
          WHERE m.segment_id = %s AND p.active AND (%s)""",
        SQL.identifier(MEMBER_TABLE),
        segment_id,
        visible if visible is not None else SQL("TRUE"),
    )
    if kind == "audience":
        return SQL(
            """SELECT %(email)s AS "Email", %(phone)s AS "Phone", %(first)s AS "First Name",
                      %(last)s AS "Last Name", %(company)s AS "Company", upper(c.code) AS "Country",
                      %(zip)s AS "Zip"
               %(source)s AND (p.email IS NOT NULL OR coalesce(p.phone, p.mobile) IS NOT NULL)
               ORDER BY p.id""",
            email=_sha256(NORMALIZED_EMAIL),
            phone=_sha256(NORMALIZED_PHONE),
            first=_sha256(FIRST_NAME),
            last=_sha256(LAST_NAME),
            company=csv_safe(COMPANY_NAME),
            zip=csv_safe(SQL("p.zip")),
            source=source,
        )
    return SQL(
        """SELECT p.id AS "ID", %(name)s AS "Name", %(email)s AS "Email",
                  %(phone)s AS "Phone", %(city)s AS "City", c.code AS "Country"
           %(source)s ORDER BY p.id""",
        name=csv_safe(SQL("p.name")),
        email=csv_safe(SQL("p.email")),
        phone=csv_safe(SQL("p.phone")),
        city=csv_safe(SQL("p.city")),
        source=source,
    )


def copy_csv(cr, query, stream):
    """Write ``query`` as CSV with a header into ``stream``, inside PostgreSQL (COPY)."""
    copy = SQL("COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER true)", query)
    cr.copy_expert(cr.mogrify(copy.code, copy.params).decode(), stream)
