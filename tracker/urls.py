"""Helpers for the app's own addresses: where a `next` may send someone, and absolute links."""
import re
from urllib.parse import unquote, urlsplit

from flask import current_app, url_for

# Longer than any page of ours with its query; a longer `next` is not one we wrote.
NEXT_MAX_LENGTH = 2000
# What may never appear in a `next`: controls (browsers drop tabs and line breaks from an address,
# so "/\t/evil" is "//evil" to them), spaces (a browser strips them from the ends) and backslashes
# (a browser reads "/\evil" as "//evil").
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
# A path that a browser, or a proxy that decodes percent-escapes first, reads as "//host".
_TWO_SLASHES = re.compile(r"^[\x00-\x20\x7f-\x9f]*[/\\][\x00-\x20\x7f-\x9f]*[/\\]")


def is_own_path(target: object) -> bool:
    """Whether a browser sent to `target` stays on this site: a path that starts with one slash,
    with no scheme, host, backslash, control character or space, in any spelling a browser or a
    decoding proxy would turn into another site's address ("//evil", "/\\evil", "/%2F%2Fevil",
    "/\\t/evil", "https:evil", "javascript:…")."""
    if not isinstance(target, str) or not target or len(target) > NEXT_MAX_LENGTH:
        return False
    if not target.startswith("/") or _UNSAFE.search(target) or _TWO_SLASHES.match(target):
        return False
    decoded = unquote(target)
    if _TWO_SLASHES.match(decoded) or "\\" in decoded.split("?", 1)[0]:
        return False
    try:
        parts = urlsplit(target)
    except ValueError:  # never for a path, but a client may send anything
        return False
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str:
    """Follow a `next` address only to a path inside this app; otherwise go home. Never raises,
    whatever a client sends."""
    return target if is_own_path(target) else url_for("programmes.home")


def absolute_url(endpoint: str, **values) -> str:
    """An absolute address of one of the app's pages under the configured `BASE_URL`, never the
    request's Host header: a link that leaves the page (a calendar subscription, a mail) must
    not point wherever a forged Host said, and mail is sent from the command line, where there
    is no request at all."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
