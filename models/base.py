from odoo import api, models
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.models import NewId
from odoo.osv import expression
from odoo.tools import Query

COMPANY_VIEW = "partner_segmentation_company_view"
SEGMENT_FIELDS = ("segment_ids", "static_segment_ids", "dynamic_segment_ids")
# Relations to partners, segments and stage changes stored in our tables: Odoo resolves a
# search on them by ids without the record rules of the other side, which would tell who is
# in a segment the user may not read, which hidden partner is in a segment (or was mailed
# from it), or which partner changed stage in another company.
GUARDED_RELATIONS = {
    "res.partner": (*SEGMENT_FIELDS, "lifecycle_transition_ids"),
    "res.partner.segment": ("partner_ids", "include_partner_ids", "exclude_partner_ids", "history_ids"),
    "res.partner.segment.push": ("mailed_partner_ids", "held_out_partner_ids"),
    "mailing.list": ("segment_ids",),
    "mailing.mailing": ("segment_ids",),
}
GUARDED_NAMES = {name for names in GUARDED_RELATIONS.values() for name in names}


def notification(message, kind="success", then=None, **params):
    """The web client's notification action: ``message`` shown as ``kind``, then the
    action ``then`` (a client action tag such as ``soft_reload``, or an action dict)."""
    if isinstance(then, str):
        then = {"type": "ir.actions.client", "tag": then}
    params = {"message": message, "type": kind, **params, **({"next": then} if then else {})}
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}


def _as_match(path, operator, value):
    """An x2many condition by ids or "is (not) set" as ``any`` / ``not any`` of the related
    records; None for any other condition."""
    if operator in ("=", "!=") and (value is False or value is None):
        return (path, "not any" if operator == "=" else "any", [])
    values = value if isinstance(value, list | tuple) else [value]
    if (
        operator in ("in", "not in", "=", "!=")
        and values
        and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        return (path, "any" if operator in ("in", "=") else "not any", [("id", "in", list(values))])
    return None


def named_ids(commands):
    """The ids an x2many write's ``commands`` name (link, unlink, set, or a bare id)."""
    ids = set()
    for command in commands or []:
        if isinstance(command, int):
            ids.add(command)
        elif command[0] in (Command.LINK, Command.UNLINK):
            ids.add(command[1])
        elif command[0] == Command.SET:
            ids.update(command[2])
    return sorted(ids)


def mentions_guarded(domain):
    """Whether a condition of ``domain``, or of its sub-conditions, ends on a guarded field."""
    for leaf in domain:
        if isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str):
            if leaf[0].rsplit(".", 1)[-1] in GUARDED_NAMES:
                return True
            if leaf[1] in ("any", "not any") and isinstance(leaf[2], list | tuple) and mentions_guarded(leaf[2]):
                return True
    return False


def guarded_comodel(model, fname):
    """The model whose record rules a search on ``model.fname`` by ids must go through, or
    None (``res.users`` has its partner's segment fields through ``_inherits``)."""
    for owner, names in GUARDED_RELATIONS.items():
        if fname in names and (model._name == owner or owner in model._inherits):
            return model._fields[fname].comodel_name
    return None


def _many2one_ids(named):
    """The ids a many2one's value in a form names, as Odoo reads it: an id, a new record's
    id (falsy, made from a saved one), an (id, name) pair, a record, or what ``browse``
    takes (the ``id`` of a new record's values: an id or a list of ids)."""
    if named is None or named is False:
        return ()
    if isinstance(named, models.BaseModel):
        return named._ids
    if isinstance(named, tuple):
        return named[:1]
    return tuple(named) if isinstance(named, list) else (named,)


def _holds_values(command):
    """Whether an x2many ``command`` carries the values of a record (create, update)."""
    return isinstance(command, list | tuple) and len(command) == 3 and isinstance(command[2], dict)


class Base(models.AbstractModel):
    """Two guards on every model's searches, and one on forms.

    - Company view for segment computation: in sudo (no user, no group) but bound by every
      model's global record rules for the companies of the context, so a company's segment
      sees, through any relation, only what that company's users may see. Active only with
      the ``partner_segmentation_company_view`` context key.
    - Guarded relations: partners' segments and segments' partners searched by ids go
      through the other side's record rules. Active only for a domain that names them.
    - Segments named in a form: an ``onchange`` shows a many2one's name whoever may read the
      record (Odoo reads it as the superuser), so a segment a form is given must be one the
      user may read.
    """

    _inherit = "base"

    @api.model
    def default_get(self, fields_list):
        """Nor as a default (a ``default_*`` context key, a user's own ``ir.default``), also
        inside the lines a default creates: a form would show the segment's name."""
        defaults = super().default_get(fields_list)
        if not self.env.su:
            for fname in list(defaults):
                field = self._fields.get(fname)
                if field and field.relational:
                    try:
                        self._check_form_records_readable({fname: defaults[fname]})
                    except AccessError:
                        del defaults[fname]
        return defaults

    def onchange(self, values, field_names, fields_spec):
        if not self.env.su:
            self._check_form_records_readable(values)
        return super().onchange(values, field_names, fields_spec)

    def _form_guarded_comodels(self):
        """The models whose records a form of this model names only if the user may read
        them: segments on every form, partners too on the addon's own
        (``partner.segmentation.readable.links.mixin``)."""
        return ("res.partner.segment",)

    def _check_form_records_readable(self, values):
        """Raise AccessError unless the user may read every segment (every record of
        ``_form_guarded_comodels``) ``values`` (a form's values, with the records they hold: a
        many2one given as a dict of values, the lines of an x2many) names."""
        for fname, value in values.items():
            field = self._fields.get(fname)
            if not (field and field.relational) or value is None or value is False:
                continue  # (a new record's id is falsy: not a test of ``value`` itself)
            comodel = self.env[field.comodel_name]
            if field.type == "many2one":
                # as Odoo reads it: an id, an (id, name) pair, or the values of a new record
                # whose ``id`` is browsed (an id or a list of ids)
                ids, records = _many2one_ids(value.get("id") if isinstance(value, dict) else value), [value]
            elif isinstance(value, list | tuple):
                ids = named_ids(value) + [c[1] for c in value if _holds_values(c) and c[0] == Command.UPDATE]
                records = [command[2] for command in value if _holds_values(command)]
            else:
                continue
            if field.comodel_name in self._form_guarded_comodels():
                if any(isinstance(i, bool) or not isinstance(i, int | NewId) for i in ids):
                    raise AccessError(self.env._("Records are given to a form by their id."))
                # a new record made from a saved one (a default given as a dict) shows its name
                saved = [i.origin if isinstance(i, NewId) else i for i in ids]
                comodel.browse([i for i in saved if isinstance(i, int)]).check_access("read")
            for record in records:
                if isinstance(record, dict):
                    comodel._check_form_records_readable(record)

    def _search(self, domain, offset=0, limit=None, order=None):
        """Partners' segments and segments' partners named by id, on any path from any model
        (``user_ids.partner_id.segment_ids`` is joined without a search on partners), go
        through the record rules of the side named."""
        if not self.env.su and domain and mentions_guarded(domain):
            domain = self._readable_guarded_domain(domain)
        return super()._search(domain, offset, limit, order)

    def _readable_guarded_domain(self, domain, model=None):
        """``domain`` on ``model``, with every condition by ids on a partner's segments or a
        segment's partners (at the end of any path, in any sub-condition) turned into the
        query of those the user may read: Odoo resolves ``('segment_ids', 'in', ids)``
        without the other side's record rules, which would tell who is in another company's
        segment, or which hidden partner is in a shared one."""
        model = model if model is not None else self
        return [self._readable_guarded_leaf(leaf, model) for leaf in domain]

    def _readable_guarded_leaf(self, leaf, model):
        if not (isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str)):
            return leaf
        path, operator, value = leaf
        *through, last = path.split(".")
        for name in through:
            field = model._fields.get(name)
            if field is None or not field.relational:
                return leaf
            model = self.env[field.comodel_name]
        field = model._fields.get(last)
        if field is None:
            return leaf
        if operator in ("any", "not any") and field.relational and isinstance(value, list | tuple):
            return (path, operator, self._readable_guarded_domain(value, self.env[field.comodel_name]))
        comodel = guarded_comodel(model, last)
        values = value if isinstance(value, list | tuple) else [value]
        if not comodel or isinstance(value, str | Query) or not values:
            return leaf  # names are found by the other side's own search, with its rules
        ids = [int(v) for v in values if v not in (False, None)]
        if operator not in ("in", "not in", "=", "!=") or ids != [v for v in values if v not in (False, None)]:
            raise ValueError(self.env._("Search segments and their members by ids (in, not in, =, !=) or names."))
        readable = self.env[comodel].with_context(active_test=False)._search([("id", "in", ids)] if ids else [])
        negative = (operator in ("not in", "!=")) != (not ids)
        return (path, "not in" if negative else "in", readable)

    def _rule_bound_domain(self, domain):
        """``domain`` with every condition on a one2many or many2many (at the end of any
        path, in any sub-condition) by ids, or "is set" / "is not set", written as ``any``
        of its records where their model has record rules for this environment: Odoo answers
        "has orders" and "order 42 is one of them" without the orders' record rules (another
        company's orders of a shared customer, another salesman's), ``any`` with them.
        Relations to segments and partners of ours are guarded already (``_search``)."""
        return [self._rule_bound_leaf(item) for item in domain]

    def _rule_bound_leaf(self, leaf):
        if not (isinstance(leaf, list | tuple) and len(leaf) == 3 and isinstance(leaf[0], str)):
            return leaf
        path, operator, value = leaf
        model, field = self._path_end(path)
        if field is None or not field.relational or field.name in GUARDED_NAMES:
            return leaf
        if operator in ("any", "not any") and isinstance(value, list | tuple):
            return (path, operator, model._rule_bound_domain(value))
        if field.type in ("one2many", "many2many") and model._has_read_rules():
            return _as_match(path, operator, value) or leaf
        return leaf

    def _path_end(self, path):
        """(the model at the end of ``path``, its last field); (None, None) when a field is
        unknown."""
        model, field = self, None
        for name in path.split("."):
            field = model._fields.get(name)
            if field is None:
                return None, None
            if field.relational:
                model = self.env[field.comodel_name]
        return model, field

    @api.model
    def _has_read_rules(self):
        """Whether reading this model is bound by record rules here (the superuser's company
        view of a segment: the global rules of that company)."""
        Rule = self.env["ir.rule"]
        if self.env.su:
            return bool(
                self.env.context.get(COMPANY_VIEW)
                and Rule.with_context(**{COMPANY_VIEW: False})._segment_company_domain(self._name, "read")
            )
        return bool(Rule._compute_domain(self._name, "read"))

    def _apply_ir_rules(self, query, mode="read"):
        res = super()._apply_ir_rules(query, mode)
        if self.env.su and self.env.context.get(COMPANY_VIEW):
            Rule = self.env["ir.rule"].with_context(**{COMPANY_VIEW: False})
            domain = Rule._segment_company_domain(self._name, mode)
            if domain:
                expression.expression(domain, self.sudo(), self._table, query)
        return res
