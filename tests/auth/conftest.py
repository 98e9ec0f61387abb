"""What the sign-in tests share: hearing the security log."""
import json


def logged(caplog, **wanted) -> bool:
    """Whether the security log has a line with (at least) these values."""
    events = [json.loads(r.message) for r in caplog.records if r.name == "tracker.security"]
    return any(event.items() >= wanted.items() for event in events)
