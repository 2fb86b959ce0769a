"""Helpers for long runs: commit per batch outside tests."""

import threading


def may_commit():
    """True unless running under Odoo's tests, which must never commit (crm_team does the same)."""
    return not getattr(threading.current_thread(), "testing", False)
