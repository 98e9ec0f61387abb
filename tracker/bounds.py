"""The limits every input is held to where it enters, so nothing out of range reaches the
database, a page or a file writer.

Forms (tracker/forms.py), the API's schemas (tracker/api/schemas.py), the URL map and the query
string all ask this module; a feature never re-states a limit.
"""
import re
from datetime import date, datetime

from flask import abort, request
from werkzeug.routing import IntegerConverter

# The largest value a PostgreSQL `integer` column holds: ids, counts, versions, page numbers.
MAX_INT = 2**31 - 1

# The most characters any text box takes, where its own field says nothing smaller: a limit on
# what a request can make the app hold, check and write back.
MAX_TEXT = 10_000

# Dates the programme can mean. Anything outside is a typing slip or an attack, and a date near
# year 9999 overflows the arithmetic of every calendar, feed and export that adds a day to it.
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
# embeddings, overrides and isolates: invisible, they reverse the text around them wherever a
# name is shown ("Trojan Source"). As a regular expression class that Python and the API's JSON
# Schema patterns read alike. A tab, a line feed and a carriage return are let through only
# where a line break is legitimate (a note).
CONTROL_CHARACTERS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"
LINE_BREAKS = r"\u0009\u000a\u000d"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_CONTROL_OR_BREAK = re.compile(f"[{CONTROL_CHARACTERS}{LINE_BREAKS}]")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether `text` holds a character no user types: NUL, escape, a line break in a name."""
    pattern = _CONTROL if multiline else _CONTROL_OR_BREAK
    return pattern.search(text) is not None


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` safe for a file writer: controls removed, tabs and line breaks kept only if
    `multiline` (else each run of them becomes one space). For output of what is already
    stored."""
    if multiline:
        return _CONTROL.sub("", text)
    return _CONTROL.sub("", re.sub("[\t\r\n\u2028\u2029]+", " ", text))


def date_in_window(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def bounded_int(value: object, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """`value` as an int within the bounds, or None: for query-string numbers such as `page`."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if minimum <= number <= maximum else None


def page_number() -> int:
    """The `?page=` of a list, 1 when not given.

    :raise 404: for a page that cannot exist: junk, zero, negative or past an integer column,
        like a page past the end of the list.
    """
    page = bounded_int(request.args.get("page", "1"), minimum=1)
    if page is None:
        abort(404)
    return page


class BoundedIntegerConverter(IntegerConverter):
    """`<int:id>` that matches only what an integer column can hold: a larger id is a 404, like
    any id that does not exist, instead of an overflow in the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, MAX_INT if max is None else max, signed)


# The escape character of `contains()` patterns: LIKE ... ESCAPE '\'.
LIKE_ESCAPE = "\\"


def contains(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its own `%` and `_` taken as they are (a
    search for "_" finds underscores, not everything); use with `escape=LIKE_ESCAPE`."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
