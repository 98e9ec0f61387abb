"""Helpers for the app's own addresses."""
from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """Follow a `next` address only to a path inside this app; otherwise go home. Never raises,
    whatever a client sends."""
    if target:
        try:
            parts = urlsplit(target)
        except ValueError:  # "//[": a host that is not an address at all
            return url_for("programmes.home")
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("programmes.home")
