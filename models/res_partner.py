from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import membership
from ..engine.lifecycle import STAGES as LIFECYCLE_STAGES
from .base import SEGMENT_FIELDS

# Lifecycle and purchase figures are read from the company's orders: for users who work
# with orders (Sales / User: Own Documents Only and above).
SALES_FIGURES = "sales_team.group_sale_salesman"
# Stages also for segmentation users (marketers).
STAGE_READERS = "sales_team.group_sale_salesman,partner_segmentation.group_segment_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    segment_ids = fields.Many2many(
        "res.partner.segment",
        membership.MEMBER_TABLE,
        "partner_id",
        "segment_id",
        string="Segments",
        copy=False,
        readonly=True,
        groups="partner_segmentation.group_segment_user",
        help="Every segment this partner belongs to.",
    )
    static_segment_ids = fields.Many2many(
        "res.partner.segment",
        membership.MEMBER_TABLE,
        "partner_id",
        "segment_id",
        string="Static segments",
        copy=False,
        domain=[("segment_type", "=", "static")],
        groups="partner_segmentation.group_segment_user",
        help="Hand-made segments: add or remove the partner here.",
    )
    dynamic_segment_ids = fields.Many2many(
        "res.partner.segment",
        membership.MEMBER_TABLE,
        "partner_id",
        "segment_id",
        string="Dynamic segments",
        copy=False,
        readonly=True,
        domain=[("segment_type", "=", "dynamic")],
        groups="partner_segmentation.group_segment_user",
        help="Segments computed from their conditions.",
    )
    segment_count = fields.Integer(
        compute="_compute_segment_count", groups="partner_segmentation.group_segment_user"
    )

    def _read_group_groupby(self, groupby_spec, query):
        """Grouping by a segment field is reading it: refused without the segmentation
        group (Odoo checks field groups for other groupings, not for many2many ones)."""
        fname = groupby_spec.split(":")[0].split(".")[0]
        if fname in SEGMENT_FIELDS:
            self.check_field_access_rights("read", [fname])
        return super()._read_group_groupby(groupby_spec, query)

    @api.depends("segment_ids")
    def _compute_segment_count(self):
        for partner in self:
            partner.segment_count = len(partner.segment_ids)

    def _refuse_hand_set_segments(self, fnames):
        if not self.env.su and {"segment_ids", "dynamic_segment_ids"} & set(fnames):
            raise UserError(
                self.env._(
                    "Segments follow their conditions; put a partner in a static "
                    "segment through “Static segments”."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._refuse_hand_set_segments(vals)
        partners = super().create(vals_list)
        if any("static_segment_ids" in vals for vals in vals_list):
            partners.invalidate_recordset(["segment_ids", "dynamic_segment_ids"])
            partners._check_static_segments(partners.sudo().segment_ids)
            partners.sudo().segment_ids._refresh_member_count()
        return partners

    def write(self, vals):
        self._refuse_hand_set_segments(vals)
        if "static_segment_ids" not in vals:
            return super().write(vals)
        before = self.sudo().segment_ids
        res = super().write(vals)
        self.invalidate_recordset(["segment_ids", "dynamic_segment_ids"])
        after = self.sudo().segment_ids
        self._check_static_segments((after - before) | (before - after))
        (before | after)._refresh_member_count()
        return res

    def unlink(self):
        """Deleted partners leave their segments: the segments' counts follow."""
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT segment_id FROM %s WHERE partner_id = ANY(%s)",
                SQL.identifier(membership.MEMBER_TABLE),
                list(self.ids),
            )
        )
        segment_ids = [row[0] for row in self.env.cr.fetchall()]
        res = super().unlink()
        self.env["res.partner.segment"].sudo().browse(segment_ids).exists()._refresh_member_count()
        return res

    def _check_static_segments(self, segments):
        """Partners are put by hand only into static segments the user may read."""
        segments.with_env(self.env).check_access("read")
        dynamic = segments.sudo().filtered(lambda s: s.segment_type != "static")
        if dynamic:
            raise UserError(
                self.env._(
                    "“%s” is a dynamic segment: its members follow its conditions. Pin the "
                    "partner in the segment instead.",
                    dynamic[0].name,
                )
            )

    def action_explain_segment(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Why is this partner in a segment?"),
            "res_model": "res.partner.segment.explain",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_view_segments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("partner_segmentation.res_partner_segment_action")
        action["domain"] = [("partner_ids", "in", self.ids)]
        return action

    # ------------------------------------------------------------------ lifecycle
    # Read for env.company through the commercial entity; searchable through a subquery on
    # res_partner_lifecycle, so segment domains and list filters stay set-based.

    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        "Lifecycle stage",
        compute="_compute_lifecycle",
        groups=STAGE_READERS,
        search="_search_lifecycle_stage",
        help="Where this customer stands with the current company, from its confirmed orders, "
        "quotations and opportunities (recomputed daily).",
    )
    lifecycle_stage_since = fields.Date(
        "In this stage since",
        compute="_compute_lifecycle",
        groups=STAGE_READERS,
        search="_search_lifecycle_stage_since",
    )
    purchase_count = fields.Integer(
        "Purchases", compute="_compute_lifecycle", groups=SALES_FIGURES, search="_search_purchase_count"
    )
    first_purchase_date = fields.Date(
        "First purchase", compute="_compute_lifecycle", groups=SALES_FIGURES, search="_search_first_purchase_date"
    )
    last_purchase_date = fields.Date(
        "Last purchase", compute="_compute_lifecycle", groups=SALES_FIGURES, search="_search_last_purchase_date"
    )
    purchase_total = fields.Float(
        "Purchased (untaxed)", compute="_compute_lifecycle", groups=SALES_FIGURES, search="_search_purchase_total"
    )
    purchase_average = fields.Float(
        "Average order (untaxed)",
        compute="_compute_lifecycle",
        groups=SALES_FIGURES,
        search="_search_purchase_average",
    )
    purchase_total_12m = fields.Float(
        "Purchased, last 12 months",
        compute="_compute_lifecycle",
        groups=SALES_FIGURES,
        search="_search_purchase_total_12m",
    )
    lifecycle_transition_ids = fields.One2many(
        "res.partner.lifecycle.transition", "partner_id", string="Stage history"
    )

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_lifecycle(self):
        rows = (
            self.env["res.partner.lifecycle"]
            .sudo()
            .search_read(
                [("company_id", "=", self.env.company.id), ("partner_id", "in", self.commercial_partner_id.ids)],
                [
                    "partner_id",
                    "stage",
                    "stage_since",
                    "purchase_count",
                    "first_purchase_date",
                    "last_purchase_date",
                    "purchase_total",
                    "purchase_average",
                    "purchase_total_12m",
                ],
                load=None,
            )
        )
        by_partner = {row["partner_id"]: row for row in rows}
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id.id, {})
            partner.lifecycle_stage = row.get("stage", False)
            partner.lifecycle_stage_since = row.get("stage_since", False)
            partner.purchase_count = row.get("purchase_count", 0)
            partner.first_purchase_date = row.get("first_purchase_date", False)
            partner.last_purchase_date = row.get("last_purchase_date", False)
            partner.purchase_total = row.get("purchase_total", 0.0)
            partner.purchase_average = row.get("purchase_average", 0.0)
            partner.purchase_total_12m = row.get("purchase_total_12m", 0.0)

    _LIFECYCLE_COLUMNS = {  # field on res.partner: (column of res_partner_lifecycle, value without row)
        "lifecycle_stage": ("stage", None),
        "lifecycle_stage_since": ("stage_since", None),
        "purchase_count": ("purchase_count", 0),
        "first_purchase_date": ("first_purchase_date", None),
        "last_purchase_date": ("last_purchase_date", None),
        "purchase_total": ("purchase_total", 0),
        "purchase_average": ("purchase_average", 0),
        "purchase_total_12m": ("purchase_total_12m", 0),
    }

    def _search_lifecycle_metric(self, field, operator, value, default):
        """Partners whose commercial entity's row for env.company satisfies the condition;
        partners without a row count as ``default`` (no stage, 0, no date).

        Always a subquery, never a list of ids: ``commercial_partner_id IN (rows that match)``,
        or, when partners without a row match too (``stage = False``, ``purchase_count < 2``),
        ``id IN (partners LEFT JOIN their row WHERE no row OR it matches)`` -- not a
        ``NOT IN (subquery)``, which PostgreSQL cannot hash at a million rows with 4 MB work_mem.
        """
        Lifecycle = self.env["res.partner.lifecycle"].sudo()
        company_id = self.env.company.id
        if not self._lifecycle_matches_without_row(field, operator, value, default):
            return self._lifecycle_rows_domain([(field, operator, value)])
        condition = Lifecycle._search([(field, operator, value)])  # on alias res_partner_lifecycle
        partners = self.sudo().with_context(active_test=False)._search([])
        partners.add_join(
            "LEFT JOIN",
            condition.table,
            condition.table,
            SQL(
                "%s = %s AND %s = %s",
                SQL.identifier(condition.table, "partner_id"),
                SQL.identifier(partners.table, "commercial_partner_id"),
                SQL.identifier(condition.table, "company_id"),
                company_id,
            ),
        )
        partners.add_where(
            SQL("%s IS NULL OR (%s)", SQL.identifier(condition.table, "id"), condition.where_clause or SQL("TRUE"))
        )
        return [("id", "in", partners)]

    def _lifecycle_matches_without_row(self, column, operator, value, default):
        probe = self.env["res.partner.lifecycle"].new({column: default})
        return bool(probe.filtered_domain([(column, operator, value)]))

    def _lifecycle_rows_domain(self, conditions):
        """Partners whose commercial entity's row for env.company meets all ``conditions``
        (on res.partner.lifecycle columns), as one subquery."""
        matching = (
            self.env["res.partner.lifecycle"]
            .sudo()
            ._search([("company_id", "=", self.env.company.id), *conditions])
        )
        return [("commercial_partner_id", "in", matching.subselect(SQL.identifier(matching.table, "partner_id")))]

    @api.model
    def _merge_lifecycle_conditions(self, domain):
        """A plain list of conditions (an implicit AND) with several lifecycle conditions
        that partners without a row cannot meet: those become one subquery, so the lifecycle
        table is read once rather than once per condition (``last purchase >= a`` and
        ``< b`` on a million partners: 0.6 s instead of 1.0 s). Other domains are returned
        as they are."""
        if any(not (isinstance(leaf, list | tuple) and len(leaf) == 3) for leaf in domain):
            return domain
        merged, rest = [], []
        for leaf in domain:
            fname, operator, value = leaf
            column = self._LIFECYCLE_COLUMNS.get(fname, (None, None))[0]
            if column and not self._lifecycle_matches_without_row(
                column, operator, value, self._lifecycle_default(fname)
            ):
                merged.append((column, operator, value))
            else:
                rest.append(leaf)
        if len(merged) < 2:
            return domain
        return rest + self._lifecycle_rows_domain(merged)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """Lifecycle fields read the commercial entity's row for env.company: a LEFT JOIN, so
        partners can be grouped and sorted by stage and purchase figures (list views,
        pivots), although the fields are not stored on res_partner."""
        if fname not in self._LIFECYCLE_COLUMNS:
            return super()._field_to_sql(alias, fname, query, flush)
        column, default = self._LIFECYCLE_COLUMNS[fname]
        if query is None:
            raise ValueError(f"{fname} can only be read in SQL within a query")
        row = query.make_alias(alias, "lifecycle")
        query.add_join(
            "LEFT JOIN",
            row,
            "res_partner_lifecycle",
            SQL(
                "%s = %s AND %s = %s",
                SQL.identifier(row, "partner_id"),
                SQL.identifier(alias, "commercial_partner_id"),
                SQL.identifier(row, "company_id"),
                self.env.company.id,
            ),
        )
        if default is None:
            return SQL.identifier(row, column)
        return SQL("COALESCE(%s, %s)", SQL.identifier(row, column), default)

    def _lifecycle_default(self, fname):
        """The value lifecycle field ``fname`` takes for a partner without a row."""
        default = self._LIFECYCLE_COLUMNS[fname][1]
        return False if default is None else default

    def _search_lifecycle_field(self, fname, operator, value):
        return self._search_lifecycle_metric(
            self._LIFECYCLE_COLUMNS[fname][0], operator, value, self._lifecycle_default(fname)
        )

    def _search_lifecycle_stage(self, operator, value):
        return self._search_lifecycle_field("lifecycle_stage", operator, value)

    def _search_lifecycle_stage_since(self, operator, value):
        return self._search_lifecycle_field("lifecycle_stage_since", operator, value)

    def _search_purchase_count(self, operator, value):
        return self._search_lifecycle_field("purchase_count", operator, value)

    def _search_first_purchase_date(self, operator, value):
        return self._search_lifecycle_field("first_purchase_date", operator, value)

    def _search_last_purchase_date(self, operator, value):
        return self._search_lifecycle_field("last_purchase_date", operator, value)

    def _search_purchase_total(self, operator, value):
        return self._search_lifecycle_field("purchase_total", operator, value)

    def _search_purchase_average(self, operator, value):
        return self._search_lifecycle_field("purchase_average", operator, value)

    def _search_purchase_total_12m(self, operator, value):
        return self._search_lifecycle_field("purchase_total_12m", operator, value)
