from ast import literal_eval

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..engine import domain as segment_domain
from .base import SEGMENT_FIELDS
from .res_partner import ROW_FIELDS

# fields through which a recipients' filter reads segment membership, stages or figures
GUARDED_RECIPIENT_FIELDS = {
    *SEGMENT_FIELDS,
    *ROW_FIELDS,
    "partner_segment_ids",
    "partner_lifecycle_stage",
    "lifecycle_transition_ids",
}


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    segment_ids = fields.Many2many(
        "res.partner.segment",
        string="Segments",
        groups="partner_segmentation.group_segment_user",
        help="Send to the members of these segments, read when the mailing is sent (a mailing "
        "on contacts). Further conditions may be added below.",
    )

    @api.depends("segment_ids")
    def _compute_mailing_domain(self):
        """Segments chosen: the recipients' filter is "member of these segments" (and Odoo's
        own default, e.g. not blacklisted)."""
        before = {mailing: mailing.mailing_domain for mailing in self}
        res = super()._compute_mailing_domain()
        # the chosen segments, those the user may not read too (a form holds only the others)
        for mailing in self.filtered(lambda m: m.mailing_model_real == "res.partner"):
            chosen = mailing._chosen_segment_ids()
            if not chosen:
                continue
            kept = mailing._conditions_besides_segments(before[mailing])
            if kept is None:
                kept = [mailing._get_default_mailing_domain()]
            mailing.mailing_domain = repr(expression.AND([*kept, [("segment_ids", "in", chosen)]]))
        return res

    @api.model
    def _conditions_besides_segments(self, text):
        """The parts of a filter built on segments other than its segments' (a condition
        the user added: "email contains example.com"), kept when the segments change; None
        when the filter was not built on segments."""
        try:
            parts = segment_domain.conjuncts(literal_eval(text or "[]"))
        except (ValueError, SyntaxError, TypeError, IndexError, RecursionError, MemoryError):
            return None

        def on_segments(part):  # the condition this compute writes, not one the user typed
            leaf = part[0] if len(part) == 1 else None
            return isinstance(leaf, list | tuple) and len(leaf) == 3 and tuple(leaf[:2]) == ("segment_ids", "in")

        if not any(on_segments(part) for part in parts):
            return None
        return [part for part in parts if not on_segments(part)]

    def _chosen_segment_ids(self):
        """The ids of the segments chosen, every company's, read in SQL: a read of
        ``segment_ids`` as the superuser would leave them in the cache the user's own reads
        share (a form's count of recipients is computed before its segments are read). A
        mailing being edited (onchange): those of the form, and those saved that the user may
        not read (the form holds only the others; the filter would drop them)."""
        if self.id:
            return self._saved_segment_ids()
        saved = self.env["res.partner.segment"].browse(self._origin._saved_segment_ids())
        return sorted(set(self.segment_ids._origin.ids) | set((saved - saved._filtered_access("read")).ids))

    def _saved_segment_ids(self):
        if not self.id:
            return []
        self.flush_recordset(["segment_ids"])
        field = self._fields["segment_ids"]
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE %s = %s ORDER BY 1",
                SQL.identifier(field.column2),
                SQL.identifier(field.relation),
                SQL.identifier(field.column1),
                self.id,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _get_recipients_domain(self):
        """Whatever the filter became, only members of the chosen segments, as of sending.

        A filter that reads segments, stages or purchase figures (chosen segments, or typed:
        ``segment_ids``, ``partner_segment_ids``, ``lifecycle_stage``...) selects only what
        it selects for *every* user who wrote the mailing and for its responsible, each with
        their own rights and companies: the queue sends as the superuser, and the mailing's
        statistics show every recipient's address. Nobody may learn through a mailing who
        is in a segment, or in a stage, they may not read."""
        domain = super()._get_recipients_domain()
        chosen = self._chosen_segment_ids() if self.mailing_model_real == "res.partner" else []
        if chosen:
            domain = expression.AND([domain, [("segment_ids", "in", chosen)]])
        if not self._fields_in(domain, GUARDED_RECIPIENT_FIELDS):
            return domain
        users = self._recipient_users()
        if not users:
            return expression.FALSE_DOMAIN
        return expression.AND([domain, *(self._selected_as(user, domain) for user in users)])

    def _recipient_users(self):
        """The users whose rights bound such a mailing: whoever created or last wrote it and
        its responsible (anyone may be named responsible, and any mailing user may edit any
        mailing); for an A/B test winner, which the scheduler copies as the superuser, those
        of its campaign's mailings. Never the superuser."""
        mailings = self.sudo()
        if mailings.ab_testing_is_winner_mailing and mailings.campaign_id:
            mailings |= mailings.campaign_id.mailing_mail_ids
        users = mailings.create_uid | mailings.write_uid | mailings.user_id
        return users.filtered(lambda user: not user._is_superuser())

    def _selected_as(self, user, domain):
        """``domain`` evaluated as ``user`` in all of that user's companies, as an id
        condition; nothing when the user may not read what it reads."""
        Recipients = (
            self.env[self.mailing_model_real]
            .with_user(user)
            .with_context(allowed_company_ids=[user.company_id.id, *(user.company_ids - user.company_id).ids])
        )
        try:
            return [("id", "in", Recipients._search(domain))]
        except (AccessError, UserError, ValidationError):
            return expression.FALSE_DOMAIN

    @api.constrains("segment_ids")
    def _check_segments_readable(self):
        """Only segments the user may read (their members are the recipients)."""
        if not self.env.su:
            self.segment_ids.check_access("read")

    @api.model_create_multi
    def create(self, vals_list):
        """A mailing saved from a segment's *Send a mailing* marks the segment as used in a
        mailing (the audit's "never used in a mailing")."""
        mailings = super().create(vals_list)
        segment_id = self.env.context.get("partner_segmentation_segment_id")
        if isinstance(segment_id, int):
            segment = self.env["res.partner.segment"].browse(segment_id).exists()._filtered_access("read")
            segment.sudo().last_mailing_at = fields.Datetime.now()
        return mailings

    @api.constrains("mailing_domain", "mailing_model_id")
    def _check_partner_figures_readable(self):
        """Recipients are selected by the mailing queue as the superuser: a condition on a
        stage or a purchase figure (on contacts, or reached through ``partner_id``) is
        accepted only from a user who may read it (a marketer without sales rights cannot
        select customers by what they bought)."""
        if self.env.su:
            return
        Partner = self.env["res.partner"]
        for mailing in self:  # any recipient model: orders and leads reach them by partner_id.
            domain = mailing._parse_mailing_domain()
            if not isinstance(domain, list | tuple):
                raise ValidationError(self.env._("The recipients' filter must be a list of conditions."))
            for fname in self._figure_fields_in(domain):
                if not Partner._fields[fname].is_accessible(self.env):
                    raise ValidationError(
                        self.env._(
                            "You may not select recipients by “%s”: it is for users who may read "
                            "every sales order of the company.",
                            Partner._fields[fname].string,
                        )
                    )

    @api.model
    def _figure_fields_in(self, domain):
        """The lifecycle fields (stages, purchase figures) a domain reads, at any depth."""
        return self._fields_in(domain, ROW_FIELDS)

    @api.model
    def _fields_in(self, domain, names):
        """The fields among ``names`` that a domain reads, at any depth."""
        found = set()
        for path, _operator, value in segment_domain.leaves(domain):
            found |= {name for name in path.split(".") if name in names}
            if isinstance(value, list | tuple):
                found |= self._fields_in(value, names)
        return found
