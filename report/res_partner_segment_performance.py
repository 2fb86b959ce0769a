from odoo import fields, models
from odoo.osv import expression
from odoo.tools import SQL

from ..engine.membership import MEMBER_TABLE


class ResPartnerSegmentPerformance(models.Model):
    """What each segment's members bought: one row per segment and confirmed order of a
    member (a member company's contacts' orders included), so a pivot compares segments'
    revenue and orders month by month. Members are today's. An order is dated in its
    company's time zone, as the lifecycle dates it.

    A user finds the rows of the segments and of the orders that user may read: revenue
    is only ever summed over readable orders."""

    _name = "res.partner.segment.performance"
    _inherit = ["partner.segmentation.findable.rows.mixin", "partner.segmentation.readable.links.mixin"]
    _description = "Segment performance"
    _auto = False
    _log_access = False
    _order = "date desc, segment_id"
    _rec_name = "order_id"

    segment_id = fields.Many2one("res.partner.segment", readonly=True)
    order_id = fields.Many2one("sale.order", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date("Order date", readonly=True)
    amount_untaxed = fields.Monetary(
        "Revenue (untaxed)", readonly=True, help="The order's untaxed amount, in its company's currency."
    )
    order_count = fields.Integer("Orders", readonly=True)

    _depends = {
        "sale.order": ["partner_id", "company_id", "state", "date_order", "amount_untaxed", "currency_rate"],
        "res.partner": ["commercial_partner_id", "tz"],
        "res.company": ["partner_id"],
    }

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT so.id::bigint * 100000 + pairs.segment_id AS id, pairs.segment_id, so.id AS order_id,
                   so.partner_id, so.company_id,
                   (so.date_order AT TIME ZONE 'UTC' AT TIME ZONE coalesce(cp.tz, 'UTC'))::date AS date,
                   so.amount_untaxed / coalesce(nullif(so.currency_rate, 0), 1) AS amount_untaxed,
                   1 AS order_count
              FROM (SELECT m.segment_id, so.id AS order_id
                      FROM %(members)s m JOIN sale_order so ON so.partner_id = m.partner_id
                     WHERE so.state = 'sale'
                     UNION
                    SELECT m.segment_id, so.id
                      FROM %(members)s m
                      JOIN res_partner p ON p.commercial_partner_id = m.partner_id
                      JOIN sale_order so ON so.partner_id = p.id
                     WHERE so.state = 'sale') pairs
              JOIN sale_order so ON so.id = pairs.order_id
              JOIN res_company rc ON rc.id = so.company_id
              JOIN res_partner cp ON cp.id = rc.partner_id
            """,
            members=SQL.identifier(MEMBER_TABLE),
        )

    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            orders = self.env["sale.order"]
            if not orders.browse().has_access("read"):
                return super()._search(expression.FALSE_DOMAIN, offset, limit, order)
            readable = [
                ("order_id", "in", orders._search([])),
                ("segment_id", "in", self.env["res.partner.segment"]._search([])),
            ]
            domain = expression.AND([domain, readable])
        return super()._search(domain, offset, limit, order)
