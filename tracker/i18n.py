"""Language choice and the house style for dates, times and numbers, in one place.

Norwegian pages: "8. mars 2027" and "kl. 09.00" in running text, "08.03.2027" in dense tables,
a decimal comma, "67 %". English pages are British: "8 March 2027", "09:00", "08/03/2027".
Templates use the filters `|day`, `|day_short`, `|time`, `|when`, `|when_short`, `|number`,
`|weekday_when` and `|span(ends)` for sessions ("man. 14. des. 2026 kl. 09.00"),
and the global `percent(part, whole)`; code calls the same functions.
"""
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


def select_locale() -> str:
    """The language the reader chose, else the best match for their browser, else bokmål."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return babel_locale(chosen)
    # "no" is Norwegian without saying which written standard: it gets bokmål.
    best = request.accept_languages.best_match([*languages, "no"])
    if best == "no":
        best = "nb"
    if best in languages:
        return babel_locale(best)
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def babel_locale(language: str) -> str:
    """English pages are British (day month year, 24-hour clock): the "en" catalogue, read
    through the en_GB locale (gettext falls back from en_GB to en)."""
    return "en_GB" if language == "en" else language


def current_language() -> str:
    """The page's language: "nb", "nn" or "en" (the en_GB locale is "en")."""
    locale = get_locale()
    return locale.language if locale is not None else "nb"


def _locale() -> str:
    return babel_locale(current_language())


def _local(value: datetime) -> datetime:
    """An instant in Europe/Oslo (stored instants are UTC), daylight saving time included."""
    if value.tzinfo is None:
        return value
    return value.astimezone(get_timezone())


def _as_day(value: date | datetime) -> date:
    return _local(value).date() if isinstance(value, datetime) else value


# Babel works a pattern out afresh on every call; a page of sessions formats the same few days
# and times hundreds of times. The answers depend only on the arguments, so they are kept.
@lru_cache(maxsize=8192)
def _format_day(value: date, pattern: str, locale: str) -> str:
    return babel_format_date(value, pattern, locale=locale)


@lru_cache(maxsize=4096)
def _format_time(value: time, pattern: str, locale: str) -> str:
    return babel_format_time(value, pattern, locale=locale)


def day(value: date | datetime | None) -> str:
    """Running text: "8. mars 2027", "8 March 2027"."""
    if value is None:
        return ""
    pattern = "d MMMM y" if current_language() == "en" else "d. MMMM y"
    return _format_day(_as_day(value), pattern, _locale())


def day_short(value: date | datetime | None) -> str:
    """Dense tables: "08.03.2027", "08/03/2027"."""
    if value is None:
        return ""
    pattern = "dd/MM/y" if current_language() == "en" else "dd.MM.y"
    return _format_day(_as_day(value), pattern, _locale())


def time_short(value: datetime | time | None) -> str:
    """A clock time in a table: "09.00" (Norwegian), "09:00" (English)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).time()
    pattern = "HH:mm" if current_language() == "en" else "HH.mm"
    return _format_time(value, pattern, _locale())


def time_of_day(value: datetime | time | None) -> str:
    """A clock time in running text: "kl. 09.00", "09:00"."""
    if value is None:
        return ""
    if current_language() == "en":
        return time_short(value)
    return f"kl. {time_short(value)}"


def when(value: datetime | None) -> str:
    """Running text: "8. mars 2027 kl. 09.00", "8 March 2027, 09:00"."""
    if value is None:
        return ""
    separator = ", " if current_language() == "en" else " "
    return f"{day(value)}{separator}{time_of_day(value)}"


def _weekday_day(value: date | datetime, short: bool) -> str:
    if current_language() == "en":
        pattern = "EEE d MMM y" if short else "EEEE d MMMM y"
    else:
        pattern = "EEE d. MMM y" if short else "EEEE d. MMMM y"
    return _format_day(_as_day(value), pattern, _locale())


def weekday_when(value: datetime | None) -> str:
    """A session in a list: "man. 14. des. 2026 kl. 09.00", "Mon 14 Dec 2026, 09:00"."""
    if value is None:
        return ""
    separator = ", " if current_language() == "en" else " "
    return f"{_weekday_day(value, short=True)}{separator}{time_of_day(value)}"


def span(starts: datetime | None, ends: datetime | None, short: bool = False) -> str:
    """A session from start to end: "mandag 14. desember 2026 kl. 09.00–15.00" (the day once
    when it ends the day it starts), "Monday 14 December 2026, 09:00–15:00"; across days
    "... kl. 09.00 – tirsdag 15. desember 2026 kl. 15.00". `short` abbreviates weekday and month."""
    if starts is None:
        return ""
    separator = ", " if current_language() == "en" else " "
    first = f"{_weekday_day(starts, short)}{separator}{time_of_day(starts)}"
    if ends is None:
        return first
    if _as_day(ends) == _as_day(starts):
        return f"{first}\u2013{time_short(ends)}"
    return f"{first} \u2013 {_weekday_day(ends, short)}{separator}{time_of_day(ends)}"


def when_short(value: datetime | None) -> str:
    """Dense tables: "08.03.2027 09.00"."""
    return f"{day_short(value)} {time_short(value)}" if value is not None else ""


def number(value: int | float | Decimal | None, decimals: int | None = None) -> str:
    """A number the reader's way: "3,5" (Norwegian), "3.5" (English); trailing zeros go
    ("4", not "4,00") unless `decimals` asks for them."""
    if value is None:
        return ""
    if decimals is None:
        pattern = "#,##0.##"
    else:
        pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(Decimal(str(value)), pattern, locale=_locale())


def rounded_percent(part: int | float, whole: int | float) -> int | None:
    """The share as a whole percent, halves rounded up (2 of 3 is 67, not 66); None of nothing."""
    if not whole:
        return None
    share = Decimal(str(part)) * 100 / Decimal(str(whole))
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(part: int | float, whole: int | float) -> str:
    """ "67 %" (Norwegian, with a no-break space), "67%" (English); "–" of nothing."""
    share = rounded_percent(part, whole)
    if share is None:
        return "–"
    return f"{share}%" if current_language() == "en" else f"{share}\u00a0%"


# The older filters, kept for templates that use them: the same house style.
DATE_STYLES = {"short": day_short, "medium": day, "long": day}
DATETIME_STYLES = {"short": when_short, "medium": when, "long": when}


def norwegian_clock(pattern: str) -> str:
    """A pattern's clock the Norwegian way ("09.00") on Norwegian pages."""
    return pattern if current_language() == "en" else pattern.replace("HH:mm", "HH.mm")


def local_date(value: date | None, style: str = "medium") -> str:
    if not value:
        return ""
    if style in DATE_STYLES:
        return DATE_STYLES[style](value)
    return format_date(value, style)


def local_datetime(value: datetime | None, style: str = "medium") -> str:
    """An instant shown in Europe/Oslo, daylight saving time included."""
    if not value:
        return ""
    if style in DATETIME_STYLES:
        return DATETIME_STYLES[style](value)
    return format_datetime(value, norwegian_clock(style))


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
    app.jinja_env.globals.update(current_language=current_language, percent=percent)
    app.jinja_env.filters.update(local_date=local_date, local_datetime=local_datetime, day=day,
                                 day_short=day_short, time=time_of_day, time_short=time_short,
                                 when=when, when_short=when_short, number=number,
                                 weekday_when=weekday_when, span=span)
