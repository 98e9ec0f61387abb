"""Every message in the code and templates is translated, with the same placeholders."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
LANGUAGES = ["nb", "nn", "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_messages() -> set[str]:
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    keywords.update(ngettext=(1, 2), lazy_ngettext=(1, 2))
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords)
    }


def catalogue(lang: str):
    with (ROOT / f"tracker/translations/{lang}/LC_MESSAGES/messages.po").open("rb") as po:
        return read_po(po, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_in_the_catalogue(lang):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id}
    assert extracted_messages() - ids == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_entry_is_translated_with_the_same_placeholders(lang):
    for message in catalogue(lang):
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, f"{lang}: {message.id!r} is fuzzy"
        # A plural message has several forms; each must be translated with the same placeholders.
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        assert all(strings), f"{lang}: {message.id!r} is not translated"
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (lang, message.id, string)


# Norwegian conventions: one date style, a decimal comma, plurals, rounding, nynorsk texts

from datetime import date, datetime, timezone  # noqa: E402

from flask import render_template_string  # noqa: E402

DAY = date(2027, 3, 8)
MORNING = datetime(2027, 3, 8, 8, 0, tzinfo=timezone.utc)  # 09.00 in Oslo


@pytest.mark.parametrize("lang, day, day_short, time, when", [
    ("nb", "8. mars 2027", "08.03.2027", "kl. 09.00", "8. mars 2027 kl. 09.00"),
    ("nn", "8. mars 2027", "08.03.2027", "kl. 09.00", "8. mars 2027 kl. 09.00"),
    ("en", "8 March 2027", "08/03/2027", "09:00", "8 March 2027, 09:00"),
])
def test_one_date_style_per_language(app, lang, day, day_short, time, when):
    with app.test_request_context(headers={"Accept-Language": lang}):
        rendered = render_template_string(
            "{{ d|day }}|{{ d|day_short }}|{{ t|time }}|{{ t|when }}|{{ t|when_short }}|{{ d|local_date('long') }}",
            d=DAY, t=MORNING)
    short_clock = "09:00" if lang == "en" else "09.00"
    assert rendered == f"{day}|{day_short}|{time}|{when}|{day_short} {short_clock}|{day}"


@pytest.mark.parametrize("lang, expected", [("nb", "3,5|4|1 234,25|67 %"), ("en", "3.5|4|1,234.25|67%")])
def test_numbers_have_the_reader_s_decimal_mark_and_percentages_round_half_up(app, lang, expected):
    from decimal import Decimal

    with app.test_request_context(headers={"Accept-Language": lang}):
        rendered = render_template_string(
            "{{ a|number }}|{{ b|number }}|{{ c|number }}|{{ percent(2, 3) }}",
            a=Decimal("3.50"), b=Decimal("4.00"), c=1234.25)
    assert rendered.replace("\u00a0", " ") == expected


def test_one_rounding_rule():
    from tracker.i18n import rounded_percent

    assert [rounded_percent(2, 3), rounded_percent(1, 3), rounded_percent(1, 8), rounded_percent(0, 0)] \
        == [67, 33, 13, None]


@pytest.mark.parametrize("lang, one, two", [
    ("nb", "1 samling registrert.", "2 samlinger registrert."),
    ("nn", "1 samling registrert.", "2 samlingar registrerte."),
    ("en", "1 session recorded.", "2 sessions recorded."),
])
def test_counts_take_the_right_plural(app, lang, one, two):
    from flask_babel import ngettext

    with app.test_request_context(headers={"Accept-Language": lang}):
        said = [ngettext("%(num)s session recorded.", "%(num)s sessions recorded.", n) for n in (1, 2)]
    assert said == [one, two]


@pytest.mark.parametrize("lang, one, two", [
    ("nb", "på 1 gjennomført samling", "på 2 gjennomførte samlinger"),
    ("nn", "på 1 gjennomført samling", "på 2 gjennomførte samlingar"),
])
def test_held_sessions_take_the_right_plural(app, lang, one, two):
    from flask_babel import ngettext

    singular = ("Attendance is %(percent)s over %(num)s held session: %(present)s present of %(marked)s "
                "recorded (excused absence counts as not present).")
    plural = singular.replace("held session:", "held sessions:")
    with app.test_request_context(headers={"Accept-Language": lang}):
        said = [ngettext(singular, plural, n, percent="67 %", present=2, marked=3) for n in (1, 2)]
    assert one in said[0] and two in said[1]


def test_english_pages_are_british_but_say_en(client):
    page = client.get("/this-page-does-not-exist", headers={"Accept-Language": "en"})
    assert '<html lang="en"' in page.get_data(as_text=True)


def test_no_english_word_where_norwegian_means_record():
    for lang in ("nb", "nn"):
        record = catalogue(lang).get("Record")
        assert record is None or record.string not in ("Post", "Record")


def test_a_nynorsk_page_shows_nynorsk_module_and_dimension_names(app):
    from tracker.assessments.models import AssessmentDimension
    from tracker.programmes.models import CourseModule

    module = CourseModule(name_nb="Fellessamling", name_nn="Fellessamling for leiarar", name_en="Joint gathering")
    untranslated = CourseModule(name_nb="Ledersamtale", name_nn="", name_en="Leader talk")
    dimension = AssessmentDimension(name_nb="Felles mål", name_nn="Felles mål for gruppa", name_en="Shared goals")
    assert module.name("nn") == "Fellessamling for leiarar" and module.name("nb") == "Fellessamling"
    assert untranslated.name("nn") == "Ledersamtale"  # falls back to bokmål
    assert dimension.name("nn") == "Felles mål for gruppa" and dimension.name("en") == "Shared goals"


CALL = re.compile(r"""\b(?:_|_l|gettext|lazy_gettext)\(\s*(?P<q>["'])((?:(?!(?P=q)).)+)(?P=q)\s*[,)]""")


# A call nested in another's arguments (tracker/people/services.py): left to its owner.
NOT_MINE: set[str] = set()


def test_every_literal_message_in_the_code_is_extracted():
    """A gettext call inside an f-string is invisible to `pybabel extract` (the timeline's
    "Timeline of the cohorts" stayed English on Norwegian pages): every call is extractable."""
    extracted = extracted_messages()
    missing = set()
    for path in (ROOT / "tracker").rglob("*.py"):
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            if match.group(2) not in extracted and match.group(2) not in NOT_MINE:
                missing.add((path.name, match.group(2)))
    assert missing == set()


def test_the_timeline_chart_is_norwegian_on_a_norwegian_page(app):
    from tracker.reports.timeline import Timeline

    empty = Timeline(today=date(2026, 11, 28), cohorts=[], first=date(2026, 1, 1), last=date(2027, 1, 1))
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        svg = str(empty.svg())
    assert "Tidslinje for kullene" in svg and "Timeline" not in svg and ">I dag<" in svg


@pytest.mark.parametrize("lang, listed, span, two_days, short", [
    ("nb", "man. 8. mars 2027 kl. 09.00", "mandag 8. mars 2027 kl. 09.00–15.00",
     "mandag 8. mars 2027 kl. 09.00 – tirsdag 9. mars 2027 kl. 15.00", "man. 8. mars 2027 kl. 09.00–15.00"),
    ("nn", "må. 8. mars 2027 kl. 09.00", "måndag 8. mars 2027 kl. 09.00–15.00",
     "måndag 8. mars 2027 kl. 09.00 – tysdag 9. mars 2027 kl. 15.00", "må. 8. mars 2027 kl. 09.00–15.00"),
    ("en", "Mon 8 Mar 2027, 09:00", "Monday 8 March 2027, 09:00–15:00",
     "Monday 8 March 2027, 09:00 – Tuesday 9 March 2027, 15:00", "Mon 8 Mar 2027, 09:00–15:00"),
])
def test_sessions_have_one_date_style_with_the_weekday(app, lang, listed, span, two_days, short):
    """Review 11, item 4: "man. 14 des. 2026 09.00" and "mandag 14. desember 2026, 09:00 – 15:00"
    were two styles; sessions now read like the rest of the house style, weekday first."""
    from datetime import timedelta
    ends = MORNING + timedelta(hours=6)
    with app.test_request_context(headers={"Accept-Language": lang}):
        rendered = render_template_string(
            "{{ t|weekday_when }}|{{ t|span(e) }}|{{ t|span(e2) }}|{{ t|span(e, short=true) }}",
            t=MORNING, e=ends, e2=ends + timedelta(days=1))
    assert rendered == f"{listed}|{span}|{two_days}|{short}"


@pytest.mark.parametrize("lang, places, imported, later", [
    ("nb", "har 1 ledig plass igjen. Velg høyst 1.", "Importert: 1 ny virksomhet og 1 endret.",
     "Vis 1 sak som kan vente"),
    ("nn", "har 1 ledig plass att. Vel høgst 1.", "Importert: 1 ny verksemd og 1 endra.",
     "Vis 1 sak som kan vente"),
    ("en", "has 1 free place left. Choose at most 1.", "Imported: 1 new organisation and 1 changed.",
     "Show 1 item for later"),
])
def test_counts_of_one_are_singular(app, lang, places, imported, later):
    """Review 11, item 5: "har 1 ledige plasser igjen", "1 nye og 1 endrede virksomheter"."""
    from flask_babel import gettext, ngettext

    with app.test_request_context(headers={"Accept-Language": lang}):
        full = ngettext(
            "You chose %(chosen)s organisations, but %(cohort)s has %(num)s free place left. "
            "Choose at most %(num)s.",
            "You chose %(chosen)s organisations, but %(cohort)s has %(num)s free places left. "
            "Choose at most %(num)s.", 1, chosen=2, cohort="Kull 5")
        done = gettext("Imported: %(created)s and %(changed)s.",
                       created=ngettext("%(num)s new organisation", "%(num)s new organisations", 1),
                       changed=ngettext("%(num)s changed", "%(num)s changed", 1))
        fold = render_template_string(
            '{{ ngettext("Show %(num)s item for later", "Show %(num)s items for later", 1) }}')
    assert full.endswith(places) and done == imported and fold == later



from tests.groups.test_my_group import next_card, world  # noqa: E402,F401


def test_my_group_s_next_session_reads_in_the_house_style(client, world):  # noqa: F811
    """Min ledergruppe said "mandag 14. desember 2026, 09:00 – 15:00"."""
    from tests.conftest import login_as
    from tests.html import read
    from tracker.i18n import span

    login_as(client, world["users"]["kari"])
    html = client.get("/groups/mine", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    card = read(next_card(html)).text
    upcoming = world["sessions"]["next"]
    with client.application.test_request_context(headers={"Accept-Language": "nb"}):
        expected = span(upcoming.starts_at, upcoming.ends_at)
    assert expected in card and " kl. 09.00–12.00" in expected and "09:00" not in card
