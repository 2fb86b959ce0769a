"""Parsing of segment domains kept as text.

A domain is Python-literal text as the domain widget writes it, plus the date helpers users
expect (``context_today()``, ``relativedelta(...)``, ``datetime.timedelta(...)``). Anything
else (names, attribute access beyond formatting, comprehensions, lambdas) is refused before
``safe_eval`` ever sees it, so a stored domain cannot run code.
"""

import ast

from odoo import fields
from odoo.tools.safe_eval import datetime, dateutil, safe_eval

ALLOWED_CALLS = {"context_today", "relativedelta", "timedelta", "datetime.timedelta",
                 "datetime.date", "datetime.datetime", "datetime.datetime.now",
                 "datetime.date.today", "date", "now"}
ALLOWED_METHODS = {"strftime", "isoformat", "replace"}
ALLOWED_NAMES = {"True", "False", "None", "uid"}
ALLOWED_NODES = (ast.Expression, ast.List, ast.Tuple, ast.Constant, ast.Load, ast.keyword,
                 ast.UnaryOp, ast.USub, ast.UAdd, ast.BinOp, ast.Add, ast.Sub,
                 ast.Call, ast.Name, ast.Attribute)


class DomainError(ValueError):
    """The domain text is not an acceptable segment domain; the message says why."""


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def check_syntax(text):
    """Raise DomainError unless ``text`` uses only literals and the allowed helpers."""
    try:
        tree = ast.parse((text or "[]").strip(), mode="eval")
    except SyntaxError as exc:
        raise DomainError(f"it is not valid Python ({exc.msg}, column {exc.offset})") from None
    if not isinstance(tree.body, ast.List | ast.Tuple):
        raise DomainError("it must be a list of conditions, like [('name', '=', 'x')]")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = _dotted(func)
            if name in ALLOWED_CALLS:
                continue
            if isinstance(func, ast.Attribute) and func.attr in ALLOWED_METHODS:
                continue
            raise DomainError(f"the call {ast.unparse(func)}() is not allowed; use plain values, "
                              "context_today() and relativedelta(...)")
        if isinstance(node, ast.Name):
            if node.id in ALLOWED_NAMES or node.id in {n.split(".")[0] for n in ALLOWED_CALLS}:
                continue
            raise DomainError(f"the name '{node.id}' is unknown; use plain values, "
                              "context_today() and relativedelta(...)")
        if isinstance(node, ast.Attribute):
            if _dotted(node) in ALLOWED_CALLS or node.attr in ALLOWED_METHODS:
                continue
            raise DomainError(f"'{ast.unparse(node)}' is not allowed")
        if not isinstance(node, ALLOWED_NODES):
            raise DomainError(f"'{ast.unparse(node)}' is not a plain value")


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
    return list(domain)


def leaves(domain):
    """The (path, operator, value) leaves of a domain, at any nesting."""
    for item in domain:
        if isinstance(item, list | tuple) and len(item) == 3 and isinstance(item[0], str):
            yield item
