from datetime import date, datetime

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools.misc import format_amount, format_date, format_datetime

from ..engine import domain as segment_domain

# For a "match" condition, the related records shown as having decided, and the fields
# that say when and how much (the first one a model has).
DECIDING_SHOWN = 5
DECIDING_DATES = ("date_order", "invoice_date", "date_deadline", "date", "create_date")
DECIDING_AMOUNTS = ("amount_untaxed", "expected_revenue", "amount_total", "price_subtotal")


class ResPartnerSegmentExplainWizard(models.TransientModel):
    """ "Why?": each condition of a segment and whether this partner meets it."""

    _name = "res.partner.segment.explain.wizard"
    _inherit = ["partner.segmentation.readable.links.mixin"]
    _description = "Why is a partner in a segment"

    partner_id = fields.Many2one("res.partner", required=True)
    segment_id = fields.Many2one("res.partner.segment", required=True)
    verdict = fields.Char(readonly=True)
    is_member = fields.Boolean("Member now", readonly=True)
    line_ids = fields.One2many("res.partner.segment.explain.wizard.line", "explain_id", readonly=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        active_id = self.env.context.get("active_id")
        if (
            self.env.context.get("active_model") == "res.partner"
            and isinstance(active_id, int)
            and self.env["res.partner"].browse(active_id).has_access("read")
        ):
            res.setdefault("partner_id", active_id)
        if res.get("partner_id") and not res.get("segment_id") and "segment_id" in fields_list:
            res["segment_id"] = self._first_segment_of(res["partner_id"]).id
        return res

    @api.model
    def _first_segment_of(self, partner_id):
        """The segment to explain first: one the partner is in, a dynamic one (conditions
        to explain) before a static one; any segment the user may read otherwise."""
        Segment = self.env["res.partner.segment"]
        for domain in ([("segment_type", "=", "dynamic")], []):
            segment = Segment.search([("partner_ids", "in", [partner_id])] + domain, limit=1)
            if segment:
                return segment
        return Segment.search([("segment_type", "=", "dynamic")], limit=1)

    @api.onchange("partner_id", "segment_id")
    def _onchange_explain(self):
        self._explain()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for record in records:
            record._explain()
        return records

    def _explain(self):
        """Everything is read and checked as the current user: the partner, each condition
        (with the user's record rules on every related record) and the values shown. A
        partner the user may not read is refused with an AccessError; conditions the user
        may not read are explained no further than saying so."""
        segment, partner = self.segment_id._origin, self.partner_id._origin
        if not segment or not partner:
            self.line_ids, self.verdict = [fields.Command.clear()], False
            return
        segment.check_access("read")
        Partner = segment._user_partner_env()
        partner = partner.with_env(Partner.env)
        partner.check_access("read")
        one = [("id", "=", partner.id)]
        self.is_member = bool(
            self.env["res.partner.segment"]
            .sudo()
            .search_count([("id", "=", segment.id), ("partner_ids", "in", partner.ids)])
        )
        lines = [fields.Command.clear()]
        if segment.segment_type == "static":
            verdict = (
                self.env._("Static segment: a member because someone added it.")
                if self.is_member
                else self.env._("Static segment: not added.")
            )
        else:
            domain = segment._parsed_domain()
            try:
                segment._check_conditions_readable(domain, Partner)
            except segment_domain.DomainError as exc:
                # said in the dialog, which stays open: another of the partner's segments may be chosen
                self.line_ids, self.verdict = (
                    [fields.Command.clear()],
                    self.env._(
                        "You cannot see why partners are in segment “%(name)s”: %(reason)s.",
                        name=segment.name,
                        reason=exc,
                    ),
                )
                return
            if all(
                "." not in str(path) and op not in ("any", "not any")
                for path, op, _v in segment_domain.leaves(domain)
            ):
                # every condition is on the partner itself: the live purchase figures of this
                # one customer are all it reads, not those of every customer (see the model)
                customer = frozenset(partner.commercial_partner_id.ids)
                Partner = Partner.with_context(partner_segmentation_figures_of=customer)
                partner = partner.with_env(Partner.env)
            all_met = []
            for path, operator, value in segment_domain.leaves(domain):
                met = self._met(Partner, one, path, operator, value)
                all_met.append(met)
                lines.append(
                    fields.Command.create(
                        {
                            "condition": self._leaf_words(Partner, path, operator, value),
                            "partner_value": self._partner_value(partner, path, operator, value, met),
                            "met": met,
                        }
                    )
                )
            if partner in segment.exclude_partner_ids:
                verdict = self.env._("Excluded by hand: never a member, whatever the conditions.")
            elif partner in segment.include_partner_ids:
                verdict = self.env._("Pinned by hand: always a member, whatever the conditions.")
            elif (
                all(all_met)
                if len(all_met) == len(domain)
                else Partner.search_count(one + Partner._rule_bound_domain(domain))
            ):
                verdict = self.env._("Meets the conditions: a member.")
            else:
                verdict = self.env._("Does not meet the conditions: not a member.")
        self.line_ids, self.verdict = lines, verdict

    @api.model
    def _met(self, Partner, one, path, operator, value):
        """Whether the one partner meets a condition. ``not any`` is asked as "not (any)":
        the same answer for one partner, but Odoo writes ``not any`` as ``id NOT IN (every
        matching order...)``, seconds at a million orders, where ``any`` is a quick probe."""
        ((path, operator, value),) = Partner._rule_bound_domain([(path, operator, value)])
        if operator == "not any":
            return not Partner.search_count(one + [(path, "any", value)])
        return bool(Partner.search_count(one + [(path, operator, value)]))

    # ------------------------------------------------------------------ wording
    # Conditions read as the domain editor shows them: field labels along the path,
    # the editor's operator words, values by their label or name.

    def _operator_words(self):
        return {
            "ilike": self.env._("contains"),
            "not ilike": self.env._("does not contain"),
            "in": self.env._("is in"),
            "not in": self.env._("is not in"),
            "child_of": self.env._("child of"),
            "parent_of": self.env._("parent of"),
            "any": self.env._("match"),
            "not any": self.env._("match none of"),
        }

    def _path_fields(self, model, path):
        """The fields along a dotted path, and the labels to show (a name when unknown)."""
        chain, labels = [], []
        for name in str(path).split("."):
            field = model._fields.get(name)
            if field is None:
                labels.append(name)
                return [], labels
            chain.append(field)
            labels.append(field.string)
            if field.relational:
                model = self.env[field.comodel_name]
        return chain, labels

    def _leaf_words(self, model, path, operator, value):
        chain, labels = self._path_fields(model, path)
        field = chain[-1] if chain else None
        label = " > ".join(labels)
        if operator in ("any", "not any") and field is not None and field.relational:
            inner = self._domain_words(self.env[field.comodel_name], segment_domain.as_domain(value))
            return f"{label} {self._operator_words()[operator]} ({inner})"
        unset = value is False or value is None
        if operator in ("=", "!=") and (unset or (field is not None and field.type == "boolean")):
            is_set = (operator == "!=") == (unset or value is False)
            return f"{label} {self.env._('is set') if is_set else self.env._('is not set')}"
        return f"{label} {self._operator_words().get(operator, operator)} {self._value_words(field, value)}"

    def _domain_words(self, model, domain):
        """A sub-domain in words, ``and``/``or`` with brackets where they mix. Read from
        the end of the prefix notation with a stack: no recursion, whatever its size."""
        words = {"&": self.env._("and"), "|": self.env._("or")}
        stack = []  # (text, operator that joins it, None for a single condition)
        for item in reversed(expression.normalize_domain(domain)):
            if item in words:
                (left, left_op), (right, right_op) = stack.pop(), stack.pop()
                left = left if left_op in (None, item) else f"({left})"
                right = right if right_op in (None, item) else f"({right})"
                stack.append((f"{left} {words[item]} {right}", item))
            elif item == "!":
                text, _op = stack.pop()
                stack.append((f"{self.env._('not')} ({text})", None))
            elif isinstance(item, list | tuple) and len(item) == 3:
                stack.append((self._leaf_words(model, *item), None))
            else:  # TRUE_LEAF / FALSE_LEAF
                stack.append((str(item), None))
        return stack[0][0] if stack else self.env._("any record")

    def _value_words(self, field, value):
        values = list(value) if isinstance(value, list | tuple) else [value]
        if field is not None and field.relational and all(isinstance(v, int) for v in values):
            records = self.env[field.comodel_name].browse(values).exists()._filtered_access("read")
            hidden = len(set(values)) - len(records)
            shown = records.mapped("display_name") + ([self.env._("%s hidden", hidden)] if hidden else [])
        else:
            shown = [self._format(field, v) for v in values]
        return ", ".join(shown)

    def _format(self, field, value):
        if isinstance(value, datetime):
            return format_datetime(self.env, value)
        if isinstance(value, date):
            return format_date(self.env, value)
        if field is not None and field.type == "selection":
            return str(dict(field._description_selection(self.env)).get(value, value))
        return str(value)

    # ------------------------------------------------------------------ partner values

    def _partner_value(self, partner, path, operator, value, met=False):
        """The partner's value along ``path`` as the current user reads it (related records
        the user may not read are left out). For a *match* condition, the related records
        that decided: those matching it, with their date and amount."""
        related = self._walk(partner, path)
        # a condition met by related records the user may not read (Odoo answers "is set"
        # without the other side's rules): not "(none)" beside a tick
        none = (
            self.env._("(none you may read)")
            if met and (operator == "any" or (operator == "!=" and value in (False, None)))
            else self.env._("(none)")
        )
        if operator in ("any", "not any") and isinstance(related, models.BaseModel):
            if not related:
                return none
            domain = [("id", "in", related.ids)] + segment_domain.as_domain(value)
            decided = related.search(domain, limit=DECIDING_SHOWN + 1)
            if not decided:
                return self.env._(
                    "%(count)s %(what)s, none matching", count=len(related), what=related._description
                )
            shown = ", ".join(self._record_words(r) for r in decided[:DECIDING_SHOWN])
            return shown + (" …" if len(decided) > DECIDING_SHOWN else "")
        if isinstance(related, models.BaseModel):
            names = related[:5].mapped("display_name")
            more = f" (+{len(related) - 5})" if len(related) > 5 else ""
            return ", ".join(names) + more if names else none
        field = self._path_fields(partner, path)[0][-1:] or [None]
        shown = [self._format(field[0], v) for v in related if v not in (False, None)]
        return ", ".join(shown) if shown else self.env._("(empty)")

    def _walk(self, partner, path):
        value = partner
        for name in str(path).split("."):
            if not isinstance(value, models.BaseModel) or name not in value._fields:
                return []
            value = value._filtered_access("read").mapped(name)
        return value._filtered_access("read") if isinstance(value, models.BaseModel) else value

    def _record_words(self, record):
        """``S00042 (2026-10-01, $ 1,250.00)``: a record with the date and the amount that
        made it match, where the model has them and the user may read them."""
        details = []
        for names in (DECIDING_DATES, DECIDING_AMOUNTS):
            readable = [n for n in names if n in record._fields and record._fields[n].is_accessible(self.env)]
            name = readable[0] if readable else None
            if not name or not record[name]:
                continue
            field = record._fields[name]
            if field.type == "monetary" and record[field.get_currency_field(record)]:
                details.append(format_amount(self.env, record[name], record[field.get_currency_field(record)]))
            elif isinstance(record[name], datetime):  # the day, in the user's timezone
                details.append(format_date(self.env, fields.Datetime.context_timestamp(record, record[name])))
            else:
                details.append(self._format(field, record[name]))
        return f"{record.display_name} ({', '.join(details)})" if details else record.display_name
