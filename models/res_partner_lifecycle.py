from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

from ..engine import rfm
from ..engine.figures import STORED_FIGURES
from ..engine.lifecycle import STAGES

# Purchase figures add up every confirmed order of the company: for users who may read all of
# them (Sales / User: All Documents and above), not for salesmen limited to their own orders.
SALES_FIGURES = "sales_team.group_sale_salesman_all_leads"


def own_attrs(attrs, fname):
    """``attrs`` for the field ``fname``: a callable attribute is called with the name."""
    return {key: value(fname) if callable(value) else value for key, value in attrs.items()}


def join_customer_row(query, alias, name, table_sql, commercial_partner, company):
    """LEFT JOIN into ``query`` the row of ``table_sql`` (rows per customer and company, as
    ``res_partner_lifecycle``) of ``commercial_partner`` in ``company`` (SQL or an id), as
    an alias made from ``alias`` and ``name``; returns that alias."""
    row = query.make_alias(alias, name)
    query.add_join(
        "LEFT JOIN",
        row,
        table_sql,
        SQL(
            "%s = %s AND %s = %s",
            SQL.identifier(row, "partner_id"),
            commercial_partner,
            SQL.identifier(row, "company_id"),
            company,
        ),
    )
    return row


def figure_fields(figures, amount_class=fields.Monetary, currency_field=None, **attrs):
    """One field per purchase figure of ``figures`` (see ``engine.figures``), for users
    who work with orders: ``attrs`` are given to every field, ``currency_field`` to amounts
    (of ``amount_class``); a callable attribute is called with the figure's name."""
    classes = {"integer": fields.Integer, "float": fields.Float, "date": fields.Date, "monetary": amount_class}
    result = {}
    for figure in figures:
        own = own_attrs(attrs, figure.name)
        if figure.field_type == "monetary" and currency_field:
            own["currency_field"] = currency_field
        result[figure.name] = classes[figure.field_type](
            figure.label, groups=SALES_FIGURES, help=figure.help or None, **own
        )
    return result


def rfm_fields(segment_groups=None, **attrs):
    """One field per RFM score (see ``engine.rfm``), for users who read purchase figures (the
    scores rank customers by them), and the named RFM segment, a coarse classification like
    the stage, for ``segment_groups``; ``attrs`` as for ``figure_fields``. Not set for a
    customer without a purchase."""

    result = {
        score.name: fields.Integer(
            score.label, groups=SALES_FIGURES, help=score.help, aggregator="avg", **own_attrs(attrs, score.name)
        )
        for score in rfm.SCORES
    }
    result[rfm.SEGMENT_FIELD] = fields.Selection(
        rfm.SEGMENT_SELECTION,
        "RFM segment",
        groups=segment_groups,
        help="The customer's cell of the recency × frequency grid, by name: champions, loyal, at risk...",
        **own_attrs(attrs, rfm.SEGMENT_FIELD),
    )
    return result


class ResPartnerLifecycle(models.Model):
    """Where a customer (commercial entity) stands with one company.

    Written only by the set-based recompute (``res.company.action_recompute_lifecycle``);
    partners read it for ``env.company`` through their commercial entity.

    No create/write user and date columns (``_log_access = False``, as Odoo's own
    ``mail.followers``): rows are always the recompute's, their date is in the row, and on
    a million partners the two foreign keys to res_users cost a third of a first run.
    """

    _name = "res.partner.lifecycle"
    _inherit = ["partner.segmentation.readable.partner.mixin", "partner.segmentation.selection.order.mixin"]
    _description = "Customer lifecycle per company"
    _order = "company_id, partner_id"
    _rec_name = "partner_id"
    _log_access = False
    _ordered_selections = ("stage", "rfm_segment")

    # no index of its own: the unique (partner_id, company_id) index serves lookups by partner
    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    stage = fields.Selection(STAGES, required=True)
    stage_since = fields.Date("Since")
    # purchase_count, last_purchase_date, purchase_total...: one field per figure
    locals().update(figure_fields(STORED_FIGURES, currency_field="currency_id"))
    # rfm_recency, rfm_frequency, rfm_monetary, rfm_segment
    locals().update(rfm_fields())

    _sql_constraints = [
        (
            "partner_company_unique",
            "UNIQUE(partner_id, company_id)",
            "A partner has one lifecycle row per company.",
        ),
    ]

    def action_recompute_lifecycle(self):
        """The lists' *Recompute lifecycle* button, for segmentation managers (who may not
        open the settings): the lifecycle of the companies the user works in now, whatever
        rows are selected."""
        return self.env.companies.action_recompute_lifecycle_notify()

    def init(self):
        create_index(
            self.env.cr, "res_partner_lifecycle_company_stage_index", self._table, ["company_id", "stage"]
        )
