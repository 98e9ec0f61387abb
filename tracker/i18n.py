"""Language choice and the formatting helpers templates use."""
from datetime import date, datetime
from decimal import Decimal

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_percent, get_locale
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


def select_locale() -> str:
    """The language the reader chose, else the best match for their browser, else bokmål."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    # "no" is Norwegian without saying which written standard: it gets bokmål.
    best = request.accept_languages.best_match([*languages, "no"])
    if best == "no":
        best = "nb"
    if best in languages:
        return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "nb")


def local_date(value: date | None, style: str = "medium") -> str:
    return format_date(value, style) if value else ""


def local_datetime(value: datetime | None, style: str = "medium") -> str:
    """An instant shown in Europe/Oslo, daylight saving time included."""
    return format_datetime(value, style) if value else ""


def whole_percent(part: int, whole: int) -> int:
    """`part` of `whole` as a whole percentage, rounded half up on the exact fraction: 2 of 3
    is 67, 1 of 8 is 13 (floating point and Babel's half-even rounding would give 66.66… and
    12). Integers only, so nothing is lost on the way; 0 when `whole` is 0."""
    if whole <= 0:
        return 0
    return (200 * part + whole) // (2 * whole)


def local_share(part: int, whole: int) -> str:
    """`whole_percent` as the reader's language writes it ("67 %" in Norwegian, "67%" in
    English)."""
    return format_percent(Decimal(whole_percent(part, whole)) / 100)


def _escaped(self: LazyString) -> Markup:
    return escape(str(self))


def escape_lazy_strings() -> None:
    """Make every lazy translation (`_l`) text, escaped wherever it is rendered.

    Flask-Babel's lazy string says it is HTML already (its `__html__` returns the string as it
    is), so Jinja, WTForms' labels and `markupsafe.escape` all let it through unescaped: a label
    "%(module)s, %(who)s" or an import message "The name %(name)s is also on line %(line)s"
    drew a stored name or a file's cell into the page as markup. A message is text: escaped
    like any value, its placeholders' values with it."""
    LazyString.__html__ = _escaped


def register_template_helpers(app: Flask) -> None:
    escape_lazy_strings()
    app.jinja_env.globals.update(current_language=current_language)
    app.jinja_env.filters.update(local_date=local_date, local_datetime=local_datetime)
