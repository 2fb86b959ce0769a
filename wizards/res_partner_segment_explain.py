from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine import domain as segment_domain


class ResPartnerSegmentExplain(models.TransientModel):
    """ "Why?": each condition of a segment and whether this partner meets it."""

    _name = "res.partner.segment.explain"
    _description = "Why is a partner in a segment"

    partner_id = fields.Many2one("res.partner", required=True)
    segment_id = fields.Many2one("res.partner.segment", required=True)
    verdict = fields.Char(readonly=True)
    is_member = fields.Boolean("Member now", readonly=True)
    line_ids = fields.One2many("res.partner.segment.explain.line", "explain_id", readonly=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner":
            res.setdefault("partner_id", self.env.context.get("active_id"))
        return res

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
        partner or a field the user may not read is refused with an AccessError."""
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
                raise AccessError(
                    self.env._(
                        "You cannot see why partners are in segment “%(name)s”: %(reason)s.",
                        name=segment.name,
                        reason=exc,
                    )
                ) from None
            for path, operator, value in segment_domain.leaves(domain):
                met = bool(Partner.search_count(one + [(path, operator, value)]))
                lines.append(
                    fields.Command.create(
                        {
                            "condition": f"{self._label(path)} {operator} {value!r}",
                            "partner_value": self._value(partner, path),
                            "met": met,
                        }
                    )
                )
            if partner in segment.exclude_partner_ids:
                verdict = self.env._("Excluded by hand: never a member, whatever the conditions.")
            elif partner in segment.include_partner_ids:
                verdict = self.env._("Pinned by hand: always a member, whatever the conditions.")
            elif Partner.search_count(one + domain):
                verdict = self.env._("Meets the conditions: a member.")
            else:
                verdict = self.env._("Does not meet the conditions: not a member.")
        self.line_ids, self.verdict = lines, verdict

    def _label(self, path):
        Partner = self.env["res.partner"]
        field = Partner._fields.get(path.split(".")[0])
        return path.replace(path.split(".")[0], field.string, 1) if field else path

    def _value(self, partner, path):
        """The partner's value along ``path``, as text (related records by name), as the
        current user reads it: related records that user may not read are left out."""
        value = partner
        for name in path.split("."):
            if not isinstance(value, models.BaseModel) or name not in value._fields:
                return ""
            value = value._filtered_access("read").mapped(name)
        if isinstance(value, models.BaseModel):
            value = value._filtered_access("read")
            names = value[:5].mapped("display_name")
            more = f" (+{len(value) - 5})" if len(value) > 5 else ""
            return ", ".join(names) + more if names else self.env._("(none)")
        shown = [str(v) for v in value if v not in (False, None)]
        return ", ".join(shown) if shown else self.env._("(empty)")


class ResPartnerSegmentExplainLine(models.TransientModel):
    _name = "res.partner.segment.explain.line"
    _description = "A segment condition checked for one partner"

    explain_id = fields.Many2one("res.partner.segment.explain", required=True, ondelete="cascade")
    condition = fields.Char()
    partner_value = fields.Char("This partner")
    met = fields.Boolean()
