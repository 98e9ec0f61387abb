"""What the sign-in tests share: hearing the security log."""
import json
import logging

import pytest


@pytest.fixture
def caplog(caplog, monkeypatch):
    """caplog that hears the security log: running the migrations (Alembic's fileConfig)
    disables every logger that existed before, this one too."""
    monkeypatch.setattr(logging.getLogger("tracker.security"), "disabled", False)
    return caplog


def logged(caplog, **wanted) -> bool:
    """Whether the security log has a line with (at least) these values."""
    events = [json.loads(r.message) for r in caplog.records if r.name == "tracker.security"]
    return any(event.items() >= wanted.items() for event in events)
