from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import membership, rfm
from ..engine.figures import FIGURES
from ..engine.lifecycle import STAGES as LIFECYCLE_STAGES
from .base import SEGMENT_FIELDS, named_ids
from .res_partner_lifecycle import figure_fields, join_customer_row, rfm_fields

# Stages (a coarse classification, not figures) are for every sales user and for
# segmentation users (marketers).
STAGE_READERS = "sales_team.group_sale_salesman,partner_segmentation.group_segment_user"

LIFECYCLE = "res.partner.lifecycle"
LIVE_FIGURES = "res.partner.purchase.figures"

# Each lifecycle field of res.partner -> (the model of the rows it reads for env.company, its
# column there, its value for a partner without a row): the stage and stored figures are
# the lifecycle recompute's, live figures a query over the orders at read time.
ROW_FIELDS = {
    "lifecycle_stage": (LIFECYCLE, "stage", False),
    "lifecycle_stage_since": (LIFECYCLE, "stage_since", False),
    **{
        figure.name: (LIVE_FIGURES if figure.live else LIFECYCLE, figure.name, figure.field_empty)
        for figure in FIGURES
    },
    **{column: (LIFECYCLE, column, False) for column in rfm.COLUMNS},
}


def _search_lifecycle(fname):
    """The search function of lifecycle field ``fname``."""

    def search(partners, operator, value):
        return partners._search_lifecycle_field(fname, operator, value)

    search.__name__ = f"_search_{fname}"
    return search


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "partner.segmentation.selection.order.mixin"]
    _ordered_selections = ("lifecycle_stage", "rfm_segment")

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
        # static segments given as a default (the context's, the user's own ``ir.default``)
        # are named like those in the values
        default = self.default_get(["static_segment_ids"])
        given = [{**default, **vals} for vals in vals_list]
        partners = super().create(vals_list)
        if any("static_segment_ids" in vals for vals in given):
            partners.invalidate_recordset(["segment_ids", "dynamic_segment_ids"])
            named = [id_ for vals in given for id_ in named_ids(vals.get("static_segment_ids"))]
            joined = self.env["res.partner.segment"].browse(partners._member_counts())
            partners._check_static_segments(joined | self.env["res.partner.segment"].browse(named))
            joined._refresh_member_count()
            joined._members_edited()
        return partners

    @api.model
    def default_get(self, fields_list):
        """Segments that follow their conditions are never a contact's default, whoever set
        it (a mailing form's own ``default_segment_ids`` reaching a contact created from it,
        a user's ``ir.default``)."""
        defaults = super().default_get(fields_list)
        if not self.env.su:
            for fname in ("segment_ids", "dynamic_segment_ids"):
                defaults.pop(fname, None)
        return defaults

    def write(self, vals):
        self._refuse_hand_set_segments(vals)
        # contacts changing company take their orders along: both customers are recomputed
        moving = (
            self.sudo().with_context(active_test=False).search([("id", "child_of", self.ids)])
            if {"parent_id", "is_company"} & vals.keys()
            else self.browse()
        )
        Pending = self.env["res.partner.lifecycle.pending"]
        Pending._mark_everywhere(moving)
        static = "static_segment_ids" in vals
        before = self._member_counts() if static else None
        flipping = self.filtered(lambda p: p.active != bool(vals["active"])) if "active" in vals else self.browse()
        res = super().write(vals)
        if static:
            self.invalidate_recordset(["segment_ids", "dynamic_segment_ids"])
            after = self._member_counts()
            # the segments some of these partners really joined or left, and every segment
            # named, even where nothing changed: whether a link or an unlink changes anything
            # would tell who is a member of a segment the user may not read
            edited = self.env["res.partner.segment"].browse(
                sid for sid in after.keys() | before.keys() if after[sid] != before[sid]
            )
            named = self.env["res.partner.segment"].browse(named_ids(vals["static_segment_ids"]))
            self._check_static_segments(edited | named)
            edited._refresh_member_count()
            edited._members_edited()
        if flipping:
            self.env["res.partner.segment"].browse(flipping._member_counts())._partners_archived()
        Pending._mark_everywhere(moving)
        return res

    def _member_counts(self):
        """{segment id: how many of these partners are members}, counted in SQL: a read of
        ``segment_ids`` as the superuser would leave every company's segments in the cache
        the user's own reads share (the answer to a save). One write gives every partner the
        same commands: in a segment they all join or all leave, so the count says whether it
        changed."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT segment_id, count(*) FROM %s WHERE partner_id = ANY(%s) GROUP BY segment_id",
                SQL.identifier(membership.MEMBER_TABLE),
                list(self.ids),
            )
        )
        return defaultdict(int, self.env.cr.fetchall())

    def unlink(self):
        """Deleted partners leave their segments: the segments' counts follow. Their
        opportunities lose their customer (the database sets it empty): the customers they
        counted for are recomputed by the lifecycle's next daily run."""
        self.env["res.partner.lifecycle.pending"]._mark_everywhere(self.sudo())
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
        """Partners are put by hand only into static segments, as the segments' own check
        of their members (``_check_hand_members``)."""
        segments.with_env(self.env)._check_hand_members(self)
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
            "res_model": "res.partner.segment.explain.wizard",
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
    # Read for env.company through the commercial entity, from the lifecycle rows or the
    # live figures' view; searchable through a subquery, so segment domains and list
    # filters stay set-based.

    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES,
        "Lifecycle stage",
        compute="_compute_lifecycle",
        groups=STAGE_READERS,
        search=_search_lifecycle("lifecycle_stage"),
        help="Where this customer stands with the current company, from its confirmed orders, "
        "quotations and opportunities (recomputed daily).",
    )
    lifecycle_stage_since = fields.Date(
        "In this stage since",
        compute="_compute_lifecycle",
        groups=STAGE_READERS,
        search=_search_lifecycle("lifecycle_stage_since"),
    )
    # purchase_count, days_since_last_purchase, purchase_total_30d...: one per figure
    locals().update(
        figure_fields(
            FIGURES,
            amount_class=fields.Float,
            compute=lambda fname: "_compute_live_figures"
            if ROW_FIELDS[fname][0] == LIVE_FIGURES
            else "_compute_lifecycle",
            search=_search_lifecycle,
        )
    )
    # rfm_recency, rfm_frequency, rfm_monetary, rfm_segment
    locals().update(rfm_fields(STAGE_READERS, compute="_compute_lifecycle", search=_search_lifecycle))
    lifecycle_transition_ids = fields.One2many(
        "res.partner.lifecycle.transition",
        "partner_id",
        string="Stage history",
        groups="partner_segmentation.group_segment_user",
    )

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_lifecycle(self):
        self._read_rows(LIFECYCLE)

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_live_figures(self):
        """Apart from the stored ones: a list showing stages does not aggregate orders."""
        self._read_rows(LIVE_FIGURES)

    def _read_rows(self, model):
        """Set the fields read from ``model``'s rows, for env.company, in one query."""
        fnames = [fname for fname, (row_model, _column, _default) in ROW_FIELDS.items() if row_model == model]
        rows = self._rows(model).search_read(
            [("company_id", "=", self.env.company.id), ("partner_id", "in", self.commercial_partner_id.ids)],
            ["partner_id", *(ROW_FIELDS[fname][1] for fname in fnames)],
            load=None,
        )
        by_partner = {row["partner_id"]: row for row in rows}
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id.id)
            for fname in fnames:
                _model, column, default = ROW_FIELDS[fname]
                partner[fname] = row[column] if row else default

    def _search_lifecycle_field(self, fname, operator, value):
        """Partners whose commercial entity's row for env.company satisfies the condition on
        lifecycle field ``fname``; partners without a row take its default (no stage, 0, no
        date).

        Always a subquery, never a list of ids: ``commercial_partner_id IN (rows that match)``,
        or, when partners without a row match too (``stage = False``, ``purchase_count < 2``),
        ``id IN (partners LEFT JOIN their row WHERE no row OR it matches)`` -- not a
        ``NOT IN (subquery)``, which PostgreSQL cannot hash at a million rows with 4 MB work_mem.
        """
        model = ROW_FIELDS[fname][0]
        without_row, on_rows = self._split_condition(fname, operator, value)
        if not without_row:
            return self._rows_domain(model, on_rows)
        rows = self._rows(model)
        condition = rows._search(on_rows or [])  # aliased as its table
        partners = self.sudo().with_context(active_test=False)._search([])
        partners.add_join(
            "LEFT JOIN",
            condition.table,
            rows._table_sql,
            SQL(
                "%s = %s AND %s = %s",
                SQL.identifier(condition.table, "partner_id"),
                SQL.identifier(partners.table, "commercial_partner_id"),
                SQL.identifier(condition.table, "company_id"),
                self.env.company.id,
            ),
        )
        partners.add_where(
            SQL(
                "%s IS NULL OR (%s)",
                SQL.identifier(condition.table, "partner_id"),
                (condition.where_clause or SQL("TRUE")) if on_rows is not None else SQL("FALSE"),
            )
        )
        return [("id", "in", partners)]

    def _rows(self, model):
        """The rows of ``model`` (lifecycle or live figures), in sudo: read for env.company
        only, through the partners the user reads."""
        return self.env[model].sudo()

    def _split_condition(self, fname, operator, value):
        """How a condition on lifecycle field ``fname`` applies: (whether partners without a
        row meet it, the conditions a row must meet -- None: no row does). Searching a figure
        is reading it: refused to users without its group, as Odoo refuses reading it."""
        self.check_field_access_rights("read", [fname])
        model, column, default = ROW_FIELDS[fname]
        if default is False and self.env[model]._fields[column].type in ("integer", "float", "monetary"):
            # A number that partners without a row do not have (days since the last purchase
            # of a customer who never bought): "not set", which meets no number -- for Odoo,
            # a number not set is 0. Rows may lack it too: a lead's row has no RFM score.
            if operator in ("=", "!=") and (value is False or value is None):
                return operator == "=", [(column, operator, False)]
            return False, [(column, operator, value)]
        probe = self.env[model].new({column: default})
        return bool(probe.filtered_domain([(column, operator, value)])), [(column, operator, value)]

    def _rows_domain(self, model, conditions):
        """Partners whose commercial entity's row of ``model`` for env.company meets all
        ``conditions`` (on its columns), as one subquery."""
        matching = self._rows(model)._search([("company_id", "=", self.env.company.id), *conditions])
        return [("commercial_partner_id", "in", matching.subselect(SQL.identifier(matching.table, "partner_id")))]

    @api.model
    def _merge_lifecycle_conditions(self, domain):
        """A plain list of conditions (an implicit AND) with several lifecycle conditions
        that partners without a row cannot meet: those on the same rows become one
        subquery, so the lifecycle table is read once rather than once per condition (``last
        purchase >= a`` and ``< b`` on a million partners: 0.6 s instead of 1.0 s). Other
        domains are returned as they are."""
        if any(not (isinstance(leaf, list | tuple) and len(leaf) == 3) for leaf in domain):
            return domain
        merged, rest = {}, []  # model -> ([its leaves], [their conditions on its rows])
        for leaf in domain:
            without_row, on_rows = self._split_condition(*leaf) if leaf[0] in ROW_FIELDS else (True, None)
            if without_row:
                rest.append(leaf)
            else:
                leaves, conditions = merged.setdefault(ROW_FIELDS[leaf[0]][0], ([], []))
                leaves.append(leaf)
                conditions += on_rows
        if all(len(leaves) < 2 for leaves, _conditions in merged.values()):
            return domain
        for model, (leaves, conditions) in merged.items():
            rest += self._rows_domain(model, conditions) if len(leaves) > 1 else leaves
        return rest

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """Lifecycle fields read the commercial entity's row for env.company: a LEFT JOIN, so
        partners can be grouped and sorted by stage and purchase figures (list views,
        pivots), although the fields are not stored on res_partner."""
        if fname not in ROW_FIELDS:
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])  # grouping or sorting by it is reading it
        model, column, default = ROW_FIELDS[fname]
        if query is None:
            raise ValueError(f"{fname} can only be read in SQL within a query")
        rows = self._rows(model)
        row = join_customer_row(
            query,
            alias,
            rows._table,
            rows._table_sql,
            SQL.identifier(alias, "commercial_partner_id"),
            self.env.company.id,
        )
        if default is False:  # no value without a row (a stage, a date)
            return SQL.identifier(row, column)
        return SQL("COALESCE(%s, %s)", SQL.identifier(row, column), default)
