"""Parsing of segment domains kept as text.

A domain is Python-literal text as the domain widget writes it, plus the date helpers users
expect (``context_today()``, ``relativedelta(...)``, ``datetime.timedelta(...)``). Anything
else (names, attribute access beyond formatting, comprehensions, lambdas) is refused before
``safe_eval`` ever sees it, so a stored domain cannot run code.
"""

import ast
import math

from odoo import fields
from odoo.osv import expression
from odoo.tools.safe_eval import datetime, dateutil, safe_eval

# Calls that build a date or a datetime, and the helpers that shift one.
DATE_CALLS = {
    "context_today",
    "datetime.date",
    "datetime.datetime",
    "datetime.datetime.now",
    "datetime.date.today",
    "date",
    "now",
}
DELTA_CALLS = {"relativedelta", "timedelta", "datetime.timedelta"}
ALLOWED_CALLS = DATE_CALLS | DELTA_CALLS
# Methods allowed only on a date or datetime built by the helpers above: never on a string
# or a list, where ``replace`` or repetition could build a value without bound.
DATE_METHODS = {"strftime", "isoformat", "replace"}
ALLOWED_NAMES = {"True", "False", "None", "uid"}
ALLOWED_NODES = (
    ast.Expression,
    ast.List,
    ast.Tuple,
    ast.Constant,
    ast.Load,
    ast.keyword,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Call,
    ast.Name,
    ast.Attribute,
)
# Bounds on what a user may type and on what it evaluates to.
MAX_TEXT = 20_000  # characters of domain text
MAX_STRING = 1_000  # characters of any one evaluated string
MAX_ITEMS = 10_000  # items in any one evaluated list, and leaves in the domain
MAX_NESTING = 30  # levels of brackets, calls and operators


class DomainError(ValueError):
    """The domain text is not an acceptable segment domain; the message says why."""


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _is_date(node):
    """Whether ``node`` builds a date/datetime: a date helper call, ``.replace(...)`` of
    one, or one plus or minus anything."""
    if isinstance(node, ast.Call):
        name = _dotted(node.func)
        if name in DATE_CALLS:
            return True
        func = node.func
        return isinstance(func, ast.Attribute) and func.attr == "replace" and _is_date(func.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        return _is_date(node.left) or _is_date(node.right)
    return False


def _typed(node):
    """What the user typed for ``node``, to name it in a message."""
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001 - an operator node alone has no text
        return type(node).__name__


def _check_node(node):
    if isinstance(node, ast.Call):
        func = node.func
        if _dotted(func) in ALLOWED_CALLS:
            return
        if isinstance(func, ast.Attribute) and func.attr in DATE_METHODS:
            if _is_date(func.value):
                return
            raise DomainError(
                f"{_typed(node)} is not allowed: .{func.attr}() only applies to "
                "a date, like context_today().replace(day=1)"
            )
        raise DomainError(
            f"the call {_typed(func)}() is not allowed; use plain values, "
            "context_today() and relativedelta(...)"
        )
    if isinstance(node, ast.Name):
        if node.id in ALLOWED_NAMES or node.id in {n.split(".")[0] for n in ALLOWED_CALLS}:
            return
        raise DomainError(
            f"the name '{node.id}' is unknown; use plain values, context_today() and relativedelta(...)"
        )
    if isinstance(node, ast.Attribute):
        if _dotted(node) in ALLOWED_CALLS or node.attr in DATE_METHODS:
            return
        raise DomainError(f"'{_typed(node)}' is not allowed")
    if isinstance(node, ast.BinOp | ast.UnaryOp) and not isinstance(node.op, ALLOWED_NODES):
        raise DomainError(f"'{_typed(node)}' is not a plain value: only + and - are allowed")
    if not isinstance(node, ALLOWED_NODES):
        raise DomainError(f"'{_typed(node)}' is not a plain value")


def check_syntax(text):
    """Raise DomainError unless ``text`` uses only literals and the allowed helpers."""
    text = (text or "[]").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(f"it is {len(text)} characters long; at most {MAX_TEXT} are allowed")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise DomainError(f"it is not valid Python ({exc.msg}, column {exc.offset})") from None
    except (MemoryError, RecursionError):
        raise DomainError("it is nested too deeply") from None
    if _depth(tree.body) > MAX_NESTING:
        raise DomainError(f"it is nested more than {MAX_NESTING} levels deep")
    body = tree.body
    if not isinstance(body, ast.List | ast.Tuple):
        raise DomainError("it must be a list of conditions, like [('name', '=', 'x')]")
    first = body.elts[0] if body.elts else None
    if (
        isinstance(body, ast.Tuple)
        and len(body.elts) == 3
        and isinstance(first, ast.Constant)
        and first.value not in ("|", "&", "!")
    ):
        raise DomainError(f"{_typed(body)} is one condition, not a list of conditions: " f"write [{_typed(body)}]")
    for node in ast.walk(tree):
        _check_node(node)


def _depth(node):
    """Nesting depth of an expression, without recursion (a deep one is what is refused)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_NESTING:
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def check_value_sizes(value):
    """Raise DomainError when an evaluated value is larger than a user may build, or is a
    number PostgreSQL cannot compare (infinite, not a number)."""
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise DomainError(f"a value of {len(value)} characters is too long (at most " f"{MAX_STRING})")
        if "\x00" in value:
            raise DomainError("a value contains a NUL character")
    elif isinstance(value, float) and not math.isfinite(value):
        raise DomainError(f"the number {value} is not usable")
    elif isinstance(value, list | tuple):
        if len(value) > MAX_ITEMS:
            raise DomainError(f"a list of {len(value)} values is too long (at most {MAX_ITEMS})")
        for item in value:
            check_value_sizes(item)


def eval_context(env):
    """What a segment domain may use, evaluated now: relative dates move with every recompute."""
    today = fields.Date.context_today(env["res.partner"])
    return {
        "context_today": lambda: today,
        "relativedelta": dateutil.relativedelta.relativedelta,
        "timedelta": datetime.timedelta,
        "datetime": datetime,
        "date": datetime.date,
        "now": datetime.datetime.now,
        "uid": env.uid,
    }


def parse(env, text):
    """Return the domain as a list, evaluated for today; raise DomainError if unusable."""
    check_syntax(text)
    try:
        domain = safe_eval((text or "[]").strip(), eval_context(env))
    except Exception as exc:  # noqa: BLE001 - any evaluation failure is the user's to fix
        raise DomainError(f"it could not be evaluated ({exc})") from None
    check_value_sizes(domain)
    return list(domain)


def as_domain(value):
    """A sub-domain (the value of ``any``), which Odoo takes as a list or a tuple."""
    return list(value) if isinstance(value, list | tuple) else []


def leaves(domain):
    """The (path, operator, value) leaves of a domain's top level (``any`` sub-domains are
    the value of their leaf)."""
    for item in domain:
        if isinstance(item, list | tuple) and len(item) == 3 and isinstance(item[0], str):
            yield item


def is_ids(value):
    """Whether a condition's value names records by id (an id, or a list of ids)."""
    values = value if isinstance(value, list | tuple) else [value]
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def conjuncts(domain):
    """The parts a domain's top level ANDs (Odoo's prefix notation, normalized): each a
    domain of its own, a leaf or an OR/NOT of several."""
    domain = expression.normalize_domain(list(domain))
    parts, position = [], 0

    def end_of(start):  # the index just past the sub-domain starting at ``start``
        item = domain[start]
        if item in ("&", "|"):
            return end_of(end_of(start + 1))
        return end_of(start + 1) if item == "!" else start + 1

    while position < len(domain):
        if domain[position] == "&":
            position += 1
            continue
        end = end_of(position)
        parts.append(domain[position:end])
        position = end
    return parts
