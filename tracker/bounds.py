"""The limits every input is held to where it enters, so nothing out of range reaches the
database, a page or a file writer.

Forms (tracker/forms.py), the API's schemas (tracker/api/schemas.py), the URL map and the query
string all ask this module; a feature never re-states a limit.
"""
import re
import sqlite3
from datetime import date, datetime

from typing import NoReturn

from flask import abort, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import ColumnElement, String, event, func
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
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
        a page saying so in the reader's language with a link to the list's first page.
    """
    given = request.args.get("page", "1")
    page = bounded_int(given, minimum=1)
    if page is None:
        no_such_page(detail=_("“%(page)s” is not a page number: the pages of a list are "
                              "numbered 1, 2, 3 and on.", page=printable(given)[:20]),
                     link=(_("Go to the first page"), 1))
    return page


def page_within(pages: int) -> int:
    """The `?page=` of a list of `pages` pages (an empty list has one).

    :raise 404: for a page that cannot exist (`page_number`), and for one past the end, saying
        how many pages the list has and linking to the last.
    """
    page = page_number()
    if page > pages:
        no_such_page(detail=ngettext("This list has %(num)s page, so there is no page %(page)s.",
                                     "This list has %(num)s pages, so there is no page %(page)s.",
                                     pages, page=page),
                     link=(_("Go to the last page"), pages))
    return page


def page_of(query, per_page: int):
    """One page (`?page=`) of `query`'s rows, with its count of pages (flask_sqlalchemy's
    Pagination); a page that cannot exist or lies past the end is a 404 (`page_within`)."""
    from tracker.extensions import db

    page = db.paginate(query, page=page_number(), per_page=per_page, error_out=False)
    page_within(max(page.pages, 1))
    return page


def no_such_page(detail: str, link: tuple[str, int | dict]) -> NoReturn:
    """Answer 404 with the list's page that says why, in the layout, linking to a page of the
    same list with the same search and filters: `link` is its words and its page number, or
    the query arguments that differ (a None leaves one out). Nothing of the request is kept:
    a 4xx rolls it back."""
    words, target = link
    changed = {"page": target} if isinstance(target, int) else target
    # The list's own query arguments go on; none that url_for would read as its own.
    arguments = {key: values for key, values in request.args.to_dict(flat=False).items()
                 if not key.startswith("_") and key != "endpoint" and key not in changed}
    arguments.update(request.view_args or {})
    arguments.update({key: value for key, value in changed.items() if value is not None})
    href = url_for(request.endpoint, **arguments) if request.endpoint else None
    abort(make_response(render_template("errors/no_such_page.html", detail=detail, href=href,
                                        words=words), 404))


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


# Searching a list

# The most characters a list's search box takes: a name, an address or a number, never more.
SEARCH_LENGTH = 200


def search_text(label: str) -> tuple[str, str | None]:
    """The list's `?q=` search, trimmed, and what is wrong with it in the reader's language,
    naming the field by `label` (None when nothing is): a control character or a text longer
    than a search. A wrong search lists nothing (the view answers 400)."""
    text = request.args.get("q", "")
    if has_control_characters(text):
        return printable(text)[:SEARCH_LENGTH], _(
            "%(field)s: remove the line breaks and control characters.", field=label)
    text = text.strip()
    if len(text) > SEARCH_LENGTH:
        return text[:SEARCH_LENGTH], _("%(field)s: at most %(max)s characters.", field=label,
                                       max=SEARCH_LENGTH)
    return text, None


# Letters a search takes as the same, beyond the case of a-z: the capitals of æ, ø, å and of
# the Sami letters, the Swedish and German ä and ö for æ and ø, and the accents Norwegian names
# carry (André, Hége). SQLite's lower() and LIKE fold only a-z, and PostgreSQL's depend on the
# server's locale; so both fold the same letters the same way, in SQL and in Python alike.
FOLDED_FROM = "ÆØÅÄäÖöÉéÈèÊêÁáÀàÓóÒòÔôÜüČĐŊŠŦŽ"
FOLDED_TO = "æøåææøøeeeeeeaaaaoooooouučđŋšŧž"
_FOLD = str.maketrans(FOLDED_FROM, FOLDED_TO)


# The lower-case letters fold() changes: most names have none (æ, ø and å stay), and are only
# lowered; SQLite calls fold() once a row of a searched list.
_TO_FOLD = re.compile("[%s]" % "".join(
    sorted({c for c in FOLDED_FROM.lower() if c.translate(_FOLD) != c})))


def fold(text: str) -> str:
    """`text` as a search compares it: lower case, accents and variants folded."""
    text = text.lower()
    return text.translate(_FOLD) if _TO_FOLD.search(text) else text


class folded(FunctionElement):
    """`fold()` in SQL: `folded(Person.name).like(contains(fold(search)), escape=LIKE_ESCAPE)`."""

    type = String()
    inherit_cache = True


@compiles(folded)
def _folded_generic(element, compiler, **kw):
    return "translate(lower(%s), '%s', '%s')" % (compiler.process(element.clauses, **kw),
                                                 FOLDED_FROM, FOLDED_TO)


@compiles(folded, "sqlite")
def _folded_sqlite(element, compiler, **kw):
    # SQLite has no translate(): the Python function, registered on every connection.
    return "tracker_fold(%s)" % compiler.process(element.clauses, **kw)


@event.listens_for(Engine, "connect")
def _register_fold(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "tracker_fold", 1, lambda text: None if text is None else fold(text),
            deterministic=True)


def matches(search: str, *columns) -> ColumnElement[bool]:
    """Any of `columns` holds `search`, folded alike (fold()), its `%` and `_` taken as they are.

    The columns are folded as one text, joined by a control character that no search may hold
    (search_text refuses them), so a search never matches across two columns; one fold a row
    instead of one a column is what keeps a search of 16,000 people quick on SQLite."""
    text = None
    for column in columns:
        part = func.coalesce(column, "")
        text = part if text is None else text.op("||")(SEPARATOR).op("||")(part)
    return folded(text).like(contains(fold(search)), escape=LIKE_ESCAPE)


# What matches() joins the columns of a row with: a unit separator, never in a search.
SEPARATOR = "\u001f"
