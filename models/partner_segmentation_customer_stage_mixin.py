from odoo import fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..engine.lifecycle import STAGES
from .res_partner import STAGE_READERS
from .res_partner_lifecycle import join_customer_row


class PartnerSegmentationCustomerStageMixin(models.AbstractModel):
    """The lifecycle stage of a record's customer (its commercial entity) in the record's
    company: "Pipeline by stage of customer". Read, searched and grouped in SQL (a join on
    the lifecycle rows), never by a loop over records."""

    _name = "partner.segmentation.customer.stage.mixin"
    _inherit = ["partner.segmentation.selection.order.mixin"]
    _description = "Records with their customer's lifecycle stage"
    _customer_field = "partner_id"  # the record's customer
    _ordered_selections = ("partner_lifecycle_stage",)

    partner_lifecycle_stage = fields.Selection(
        STAGES,
        "Customer lifecycle stage",
        compute="_compute_partner_lifecycle_stage",
        search="_search_partner_lifecycle_stage",
        groups=STAGE_READERS,
        help="Where the customer (its company, for a contact) stands with this record's company.",
    )

    def _compute_partner_lifecycle_stage(self):
        customers = self.mapped(f"{self._customer_field}.commercial_partner_id")
        rows = (
            self.env["res.partner.lifecycle"]
            .sudo()
            .search_read(
                [("partner_id", "in", customers.ids), ("company_id", "in", self.company_id.ids)],
                ["partner_id", "company_id", "stage"],
                load=None,
            )
        )
        stages = {(row["partner_id"], row["company_id"]): row["stage"] for row in rows}
        for record in self:
            key = (record[self._customer_field].commercial_partner_id.id, record.company_id.id)
            record.partner_lifecycle_stage = stages.get(key, False)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The stage joined in: records can be grouped and sorted by it (pivots, graphs)."""
        if fname != "partner_lifecycle_stage":
            return super()._field_to_sql(alias, fname, query, flush)
        self.check_field_access_rights("read", [fname])  # grouping or sorting by it is reading it
        if query is None:
            raise ValueError(f"{fname} can only be read in SQL within a query")
        customer = query.make_alias(alias, "lifecycle_customer")
        query.add_join(
            "LEFT JOIN",
            customer,
            "res_partner",
            SQL("%s = %s", SQL.identifier(customer, "id"), self._field_to_sql(alias, self._customer_field, query)),
        )
        row = join_customer_row(
            query,
            alias,
            "lifecycle_row",
            "res_partner_lifecycle",
            SQL.identifier(customer, "commercial_partner_id"),
            self._field_to_sql(alias, "company_id", query),
        )
        return SQL.identifier(row, "stage")

    def _search_partner_lifecycle_stage(self, operator, value):
        """Records whose customer's stage is (``=``, ``in``) or is not (``!=``, ``not in``)
        one of ``value``; ``False`` stands for "no stage"."""
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(
                self.env._("Search the customer's lifecycle stage with is, is not, is in or is not in.")
            )
        self.check_field_access_rights("read", ["partner_lifecycle_stage"])
        values = tuple(value or "" for value in (value if isinstance(value, list | tuple) else [value]))
        negative = operator in ("!=", "not in")
        if not values:  # in []: nothing; not in []: everything
            return [] if negative else expression.FALSE_DOMAIN
        records = self.sudo().with_context(active_test=False)
        query = records._search([])
        stage = records._field_to_sql(query.table, "partner_lifecycle_stage", query)
        query.add_where(SQL("%s (coalesce(%s, '') IN %s)", SQL("NOT") if negative else SQL(), stage, values))
        return [("id", "in", query)]
