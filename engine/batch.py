"""Helpers for long runs: commit per batch, but never under tests or while modules load."""

import threading


def may_commit(env):
    """True unless running under Odoo's tests (which must never commit, as crm_team does) or
    while the registry is loading (an install computing demo data stays one transaction)."""
    return env.registry.ready and not getattr(threading.current_thread(), "testing", False)
