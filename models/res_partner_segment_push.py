from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..engine import figures, mailing
from .res_partner_lifecycle import SALES_FIGURES

MAILED_TABLE = "res_partner_segment_push_mailed_rel"
HELD_OUT_TABLE = "res_partner_segment_push_held_out_rel"


class ResPartnerSegmentPush(models.Model):
    """One push of a segment into a mailing list, with who was mailed and who was held out
    (the control group) at that moment: the lift report compares what the two groups
    bought in the days after the push. How a marketer proves a campaign worked."""

    _name = "res.partner.segment.push"
    _inherit = ["partner.segmentation.system.record.mixin"]
    _description = "Segment pushed into a mailing list (campaign lift)"
    _order = "pushed_at desc, id desc"
    _rec_name = "segment_id"

    segment_id = fields.Many2one("res.partner.segment", required=True, readonly=True, ondelete="cascade")
    mailing_list_id = fields.Many2one("mailing.list", readonly=True, ondelete="set null")
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, help="Whose confirmed orders the lift counts."
    )
    pushed_at = fields.Datetime("Pushed", required=True, readonly=True)
    holdout_percent = fields.Integer("Holdout (%)", readonly=True)
    lift_days = fields.Integer(
        "Days after the push", default=30, help="The orders confirmed within this many days after the push count."
    )
    # who had an email when pushed: those subscribed (or already), and the control group
    mailed_partner_ids = fields.Many2many(
        "res.partner", MAILED_TABLE, "push_id", "partner_id", string="Mailed members", readonly=True
    )
    held_out_partner_ids = fields.Many2many(
        "res.partner", HELD_OUT_TABLE, "push_id", "partner_id", string="Held-out members", readonly=True
    )
    # sizes and figures are of the members the reader may read (a shared segment's push
    # may hold other companies' partners)
    mailed_count = fields.Integer("Mailed", compute="_compute_counts")
    held_out_count = fields.Integer("Held out", compute="_compute_counts")
    mailed_buyer_percent = fields.Float(
        "Mailed who bought (%)", digits=(5, 1), compute="_compute_lift", groups=SALES_FIGURES
    )
    held_out_buyer_percent = fields.Float(
        "Held out who bought (%)", digits=(5, 1), compute="_compute_lift", groups=SALES_FIGURES
    )
    mailed_revenue_per_member = fields.Float(
        "Revenue per mailed member", digits=(16, 2), compute="_compute_lift", groups=SALES_FIGURES
    )
    held_out_revenue_per_member = fields.Float(
        "Revenue per held-out member", digits=(16, 2), compute="_compute_lift", groups=SALES_FIGURES
    )
    lift_points = fields.Float(
        "Lift (points)",
        digits=(5, 1),
        compute="_compute_lift",
        groups=SALES_FIGURES,
        help="Share of the mailed who bought minus share of the held out who bought.",
    )

    _sql_constraints = [
        ("lift_days_positive", "CHECK(lift_days > 0)", "The lift counts at least one day after the push.")
    ]

    @api.constrains("lift_days")
    def _check_lift_days(self):
        for push in self:
            if not 1 <= push.lift_days <= 366:
                raise ValidationError(
                    self.env._("Count the orders of 1 to 366 days after the push, not %s.", push.lift_days)
                )

    def write(self, vals):
        """Only the window of days may change: the groups are what was pushed."""
        if set(vals) - {"lift_days"} and not self.env.su:
            raise UserError(self.env._("A push is a record of what was sent: only its days after can change."))
        return super().write(vals)

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_counts(self):
        rows = self._lift_rows()
        for push in self:
            push.mailed_count = rows.get((push.id, False), (0, 0, 0.0))[0]
            push.held_out_count = rows.get((push.id, True), (0, 0, 0.0))[0]

    def _lift_rows(self):
        """{(push id, held out): (members, buyers, revenue)}, over the members the current
        user may read."""
        if not self.ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(self._lift_query())
        return {
            (push_id, held): (members, buyers, revenue)
            for push_id, held, members, buyers, revenue in self.env.cr.fetchall()
        }

    @api.depends("lift_days", "pushed_at", "company_id")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_lift(self):
        """Per push and group: members, buyers and revenue (untaxed, company currency) of the
        confirmed orders of the push's company in the window -- one grouped query, the
        orders of each customer's commercial entity, as for the purchase figures."""
        rows = self._lift_rows()
        for push in self:
            share, per_member = {}, {}
            for held in (False, True):
                members, buyers, revenue = rows.get((push.id, held), (0, 0, 0.0))
                share[held] = 100.0 * buyers / members if members else 0.0
                per_member[held] = revenue / members if members else 0.0
            push.mailed_buyer_percent, push.held_out_buyer_percent = share[False], share[True]
            push.mailed_revenue_per_member, push.held_out_revenue_per_member = per_member[False], per_member[True]
            push.lift_points = share[False] - share[True]

    def _lift_query(self):
        groups = SQL(" UNION ALL ").join(
            SQL("SELECT push_id, partner_id, %s AS held_out FROM %s", held, SQL.identifier(table))
            for held, table in ((False, MAILED_TABLE), (True, HELD_OUT_TABLE))
        )
        return SQL(
            """
            SELECT g.push_id, g.held_out, count(*), count(o.total), coalesce(sum(o.total), 0)
              FROM (%(groups)s) g
              JOIN res_partner_segment_push pu ON pu.id = g.push_id
              JOIN res_partner p ON p.id = g.partner_id
              LEFT JOIN LATERAL (
                   SELECT sum(%(amount)s) AS total
                     FROM sale_order so JOIN res_partner c ON c.id = so.partner_id
                    WHERE c.commercial_partner_id = p.commercial_partner_id
                      AND so.company_id = pu.company_id AND so.state = 'sale'
                      AND so.date_order >= pu.pushed_at
                      AND so.date_order < pu.pushed_at + make_interval(days => pu.lift_days)
                   HAVING count(*) > 0
              ) o ON true
             WHERE g.push_id = ANY(%(ids)s) AND (%(readable)s)
             GROUP BY g.push_id, g.held_out
            """,
            groups=groups,
            readable=self.env["res.partner.segment"]._readable_partners_condition("p") or SQL("TRUE"),
            amount=SQL(figures.AMOUNT),
            ids=self.ids,
        )

    @api.model
    def _record(self, segments, mailing_list, visible, channel="email"):
        """After a push: one record per segment with its mailed and held-out members who
        have an address on the push's channel, an email or a phone number (the two groups
        the lift compares), archived ones left out as by the push, copied inside PostgreSQL."""
        pushes = self.sudo().create(
            [
                {
                    "segment_id": segment.id,
                    "mailing_list_id": mailing_list.id,
                    "company_id": (segment.company_id or self.env.company).id,
                    "pushed_at": fields.Datetime.now(),
                    "holdout_percent": segment.holdout_percent,
                }
                for segment in segments
            ]
        )
        self.env.flush_all()
        cr = self.env.cr
        for push in pushes:
            for held, table in ((False, MAILED_TABLE), (True, HELD_OUT_TABLE)):
                cr.execute(
                    SQL(
                        """INSERT INTO %(table)s (push_id, partner_id)
                           SELECT DISTINCT %(push)s, m.partner_id
                             FROM res_partner_segment_member m
                             JOIN res_partner_segment s ON s.id = m.segment_id
                             JOIN res_partner p ON p.id = m.partner_id
                            WHERE m.segment_id = %(segment)s AND p.%(address)s IS NOT NULL AND p.active
                              AND %(visible)s AND %(negate)s %(held_out)s""",
                        table=SQL.identifier(table),
                        push=push.id,
                        segment=push.segment_id.id,
                        visible=SQL("m.partner_id IN (%s)", visible) if visible is not None else SQL("TRUE"),
                        negate=SQL("") if held else SQL("NOT"),
                        held_out=mailing.held_out(),
                        address=SQL.identifier(mailing.CHANNELS[channel].key),
                    )
                )
        pushes.invalidate_recordset(["mailed_partner_ids", "held_out_partner_ids"])
        return pushes
