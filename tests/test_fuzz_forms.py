"""Every form, fuzzed: Hypothesis posts generated values to each form of the app (as a signed-in
administrator, with a valid CSRF token) and the app answers all of them: never a server error,
and a refusal (4xx) leaves every table as it was.

The fields come from the form as the page draws it, so a new field is fuzzed without a change
here; the values mix what the page offers (its own value, its options, a good date) with the
input nobody thought of: numbers past any column, NUL and other controls, dates near year 1 and
9999, long strings, markup, format strings and odd Unicode. `FUZZ_EXAMPLES` sets the examples
per form (20 by default, so the file runs in well under a minute on one core). The query
strings the pages read (`?page=`, `?q=`, `?ministry=`, `?organisation=`) are fuzzed the same way.
"""
import io
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests import walks as survey_walks
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tracker.assessments.models import AssessmentDimension
from tracker.auth.tokens import new_token
from tracker.extensions import db as _db
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.organisations.models import OrganisationKind
from tracker.people.models import MemberRole, Membership, Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus
from tracker.users.links import issue_link
from tracker.users.models import LinkPurpose

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
VERBOSE = bool(os.environ.get("FUZZ_VERBOSE"))

# Where a form without a page of its own is drawn.
DRAWN_ON = {
    "programmes.move_module": ("programmes.detail", {"programme_id": "programme"}),
    "calendar.reset": ("groups.detail", {"enrolment_id": "enrolment"}),
    "auth.create_token": ("auth.account", {}),
    "auth.revoke_token": ("auth.account", {}),
    "organisations.import_confirm": None,  # on the preview an upload answers
}
NOT_FUZZED = {
    "auth.logout": "it ends the session the other examples post in",
    # Invitations and password reset: buttons on a user's page with no field but the CSRF
    # token (tests/links/test_user_admin_pages.py posts them without one).
    "users.invite": "a button with no field",
    "users.revoke_invite": "a button with no field",
    "users.send_reset": "a button with no field",
    "users.remove_two_factor": "a button with no field",
    "calendar.end_shared": "drawn only beside a shared address from before per-reader addresses; "
                           "its one field, next, is tried with every hostile spelling in "
                           "tests/test_redirects.py",
    # Two-factor and confirming it is you
    "two_factor.code": "drawn only between the password and the code, when no one is signed in; "
                       "wrong, foreign, replayed, expired and throttled codes are tried in "
                       "tests/two_factor/test_sign_in.py",
    "two_factor.recovery_codes": "a button alone (the CSRF token its only field), drawn only for "
                                 "a user with two-factor: tests/two_factor/test_account.py",
    "auth.send_password_link": "a button alone (the CSRF token its only field), drawn only for "
                               "a user without a password: tests/two_factor/test_review_fixes.py",
    "two_factor.disable": "a button alone (the CSRF token its only field), drawn only for a user "
                          "with two-factor: tests/two_factor/test_account.py",
    # Single sign-on
    "sso.unlink": "drawn only beside a linked identity of a configured provider; its one field, an "
                  "identity's id, is tried with others' and hostile ids in tests/sso",
    "sso.start": "drawn only for a configured provider (the account, confirm and invitation "
                 "pages' buttons); its fields are the app's own hidden values, tried with hostile "
                 "ones and without the CSRF token in tests/sso",
    # Issue 11, attendance roster: a guest's one field is a person's id, drawn only beside
    # search results or a guest's row; unknown, hostile and members' ids are tried in
    # tests/schedule/test_attendance_roster.py.
    "schedule.add_guest_to_session": "drawn only beside search results; its one field, a person's id, "
                                     "is tried in tests/schedule/test_attendance_roster.py",
    "schedule.remove_guest_from_session": "a button beside a guest's row; its one field, a person's id, "
                                          "is tried in tests/schedule/test_attendance_roster.py",
    # Register import: merging and deleting organisations
    "organisations.delete": "a button with no field but the version, drawn only for an organisation "
                            "nothing refers to: tests/organisations/test_merge.py",
}
ARGUMENTS = {
    "programme_id": "programme", "module_id": "module", "cohort_id": "cohort",
    "enrolment_id": "enrolment", "organisation_id": "agency", "person_id": "person",
    "membership_id": "membership", "session_id": "session", "dimension_id": "dimension",
    "user_id": "other_user", "subject_id": "enrolment", "token_id": "token",
}
FIXED = {"kind": "baseline"}
# Forms of a versioned record, read again after a save so the next example is not a conflict.
REFILLED = {"assessments.edit_dimension", "assessments.record", "cohorts.edit", "groups.change_status",
            "groups.edit", "organisations.edit", "people.edit", "people.edit_membership",
            "programmes.edit", "programmes.edit_module", "progress.record", "schedule.attendance",
            "schedule.edit", "schedule.propose", "users.edit"}
FIXED_FOR = {"calendar.reset": {"kind": "enrolment"}}
# Invitations and password reset: forms filled in by someone not signed in, on the page a live
# link opens (world["<endpoint>_token"]).
ANONYMOUS_FORMS = {"auth.login", "links.forgot", "links.reset", "links.invitation"}
# The survey's forms (issue 12) keep their entries in tests/surveys/walk_*.py.
ARGUMENTS.update(survey_walks.FUZZ_ARGUMENTS)
NOT_FUZZED.update(survey_walks.NOT_FUZZED)
REFILLED |= survey_walks.REFILLED
ANONYMOUS_FORMS |= survey_walks.ANONYMOUS_FORMS
DRAWN_ON.update(survey_walks.DRAWN_ON)

HOSTILE = [
    "", " ", "\x00", "a\x00b", "\x1b[31mred", "line\nbreak", "cr\ronly", "tab\there", "\u2028", "\x85",
    "\x7f", str(2**31), str(2**31 - 1), str(-(2**31)), str(2**63), str(-(2**63)), "9" * 400, "-1",
    "0", "1e400", "NaN", "Infinity", "-inf", "3,75", "0x10", "²", "١٢", "𝟙", "9999-12-31",
    "0001-01-01", "10000-01-01", "1899-12-31", "2201-01-01", "2016-02-30", "24:00", "23:59:60",
    "99:99", "x" * 5000, "<script>x</script>", '"><img src=x>', "%(x)s", "%s%n", "{0}", "{{7*7}}",
    "🙂", "\u202e", "Ω≈ç√∫", "\ufeff", "a" * 201, "é" * 61, "'; DROP TABLE cohort; --",
    "=HYPERLINK(\"x\")", "@SUM(A1)", "../../etc/passwd",
]
TEXT = st.text(max_size=80)
NUMBERS = st.one_of(st.integers(), st.integers(min_value=-5, max_value=60)).map(str)
DATES = st.dates(min_value=date(1, 1, 1)).map(date.isoformat)
GOOD_DATES = st.dates(min_value=date(2015, 1, 1), max_value=date(2025, 12, 31)).map(date.isoformat)
TIMES = st.times().map(lambda t: t.strftime("%H:%M"))


PASSWORD = "korrekt hest batteri stift"
GOOD_FILE = b"navn;organisasjonsnummer;engelsk_navn;kortnavn;type;overordnet_enhet\nEtat;;;;direktorat;\n"
# A good submission of the forms whose empty fields random words rarely fill well, so a hostile
# value in one field reaches the rules behind the others' checks.
GOOD = {
    "cohorts.create": {"label": "Kull 7", "ordinal": "7", "season": "AUTUMN", "year": "2019",
                       "start_date": "2019-09-02"},
    "assessments.record": {"assessed_on": "2016-09-05", "respondents": "5", "score_*": "3.25"},
    "assessments.new_dimension": {"name_nb": "Tillit", "name_en": "Trust"},
    "people.new_membership": {"new_name": "Ola Nordmann", "new_email": "ola@example.org",
                              "role": "MEMBER", "joined_on": "2016-09-01"},
    "people.create": {"name": "Per Hansen", "email": "per@example.org"},
    "programmes.new_module": {"name_nb": "Modul", "name_en": "Module", "kind": "GROUP_WORK",
                              "offset_weeks": "4", "duration_days": "1", "hours_per_day": "6"},
    "schedule.create": {"start_date": "2016-10-18", "start_time": "09:00", "end_time": "15:00",
                        "status": "PLANNED", "module": "1"},
    "users.create": {"email": "ny@example.org", "role": "COORDINATOR"},
    "auth.change_password": {"current_password": PASSWORD, "new_password": "et nytt og langt passord",
                             "confirm_password": "et nytt og langt passord"},
    "auth.login": {"password": PASSWORD},
    # Two-factor and confirming it is you
    "auth.confirm": {"password": PASSWORD},
    # Invitations and password reset
    "links.forgot": {"email": "kari@example.org"},
    "links.reset": {"password": "et nytt og langt passord", "confirm_password": "et nytt og langt passord"},
    "links.invitation": {"password": "et nytt og langt passord",
                         "confirm_password": "et nytt og langt passord"},
    "organisations.create": {"name_nb": "Ny etat", "kind": "DIRECTORATE"},
    "groups.create": {"status": "INVITED"},
    "schedule.attendance": {"status_*": "PRESENT"},
    # Work in bulk (issue 11)
    "people.paste_members": {"lines": "Ola Nordmann, ola@example.org, medlem", "joined_on": "2016-09-01"},
}


def good_value(endpoint: str, name: str) -> str | None:
    good = GOOD.get(endpoint, {})
    if name in good:
        return good[name]
    return next((v for k, v in good.items() if k.endswith("*") and name.startswith(k[:-1])), None)


@dataclass
class Field:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class _FormReader(HTMLParser):
    """The POST forms of a page, each with its fields as the browser would send them."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            # A form without an action posts to its own page.
            self._form = PageForm(urlsplit(a.get("action") or self.page_url).path)
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "button":
            # A named button sends its value: one of the choices of its name.
            current = self._form.fields.setdefault(a["name"], Field(a["name"], "select"))
            current.options.append(a.get("value", ""))
            current.value = current.value or a.get("value", "")
        elif tag == "input":
            current = self._form.fields.get(a["name"])
            if current is not None and a.get("type") == "radio":
                current.options.append(a.get("value", ""))
                return
            kind = a.get("type", "text")
            self._form.fields[a["name"]] = Field(
                a["name"], kind, a.get("value", ""),
                [a.get("value", "y")] if kind in ("radio", "checkbox") else [])
        elif tag == "select":
            self._select = self._form.fields[a["name"]] = Field(a["name"], "select")
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea":
            self._textarea = self._form.fields[a["name"]] = Field(a["name"], "textarea")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(html: str, page_url: str) -> list[PageForm]:
    reader = _FormReader(page_url)
    reader.feed(html)
    return reader.forms


def kind_of(f: Field) -> str:
    if f.kind in ("date", "time", "number", "email", "file", "checkbox", "radio", "select", "hidden"):
        return f.kind
    if f.name.endswith(("_date", "_on", "_from", "_to", "_end")):
        return "date"
    if f.name.endswith("_time"):
        return "time"
    if f.name in ("ordinal", "year", "capacity", "respondents", "offset_weeks", "duration_days",
                  "hours_per_day", "course_length_months", "groups_per_cohort"):
        return "number"
    if "email" in f.name:
        return "email"
    return f.kind


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå ÆØÅ-.", min_size=1, max_size=30)
PLAUSIBLE = {
    "date": GOOD_DATES,
    "time": st.sampled_from(["09:00", "12:30", "15:00", "16:00"]),
    "number": st.one_of(st.integers(min_value=0, max_value=60), st.integers(2015, 2025)).map(str),
    "email": st.emails().map(lambda e: e[:200]),
}


def plausible(f: Field) -> st.SearchStrategy:
    """What a user would send in the field: its own value, one of its options, or a good value
    of its kind."""
    choices = [st.just(f.value)]
    options = [o for o in f.options if o]
    if options:
        choices.append(st.sampled_from(options))
    kind = kind_of(f)
    if kind in PLAUSIBLE:
        choices.append(PLAUSIBLE[kind])
    elif kind in ("text", "textarea", "search"):
        choices.append(WORDS)
    return st.one_of(*choices)


# The worst of each kind, drawn often: a small budget must still reach them.
WORST = {
    "number": st.sampled_from([str(2**31), str(2**63), str(-(2**63)), "9" * 400, "-1", "1e400",
                               "NaN", "²", "١٢"]),
    "date": st.sampled_from(["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01", "10000-01-01",
                             "2016-02-30"]),
    "time": st.sampled_from(["24:00", "23:59:60", "99:99", "-1:00"]),
    "text": st.sampled_from(["\x00", "a\x00b", "\x1b[31m", "line\nbreak", "cr\ronly", "\u2028",
                             "x" * 5000, "<script>x</script>", "%(x)s", "\ud7ff\u202e", "²"]),
}


def hostile(f: Field) -> st.SearchStrategy:
    """What nobody thought of: the worst values of the field's kind, random ones, and the hostile
    values of every other kind."""
    kind = kind_of(f)
    own = {"date": DATES, "time": TIMES, "number": NUMBERS}.get(kind, TEXT)
    return st.one_of(WORST.get(kind, WORST["text"]), WORST["text"], own, st.sampled_from(HOSTILE),
                     st.none())


FILES = st.one_of(
    st.binary(max_size=400),
    st.lists(st.lists(st.one_of(st.sampled_from(HOSTILE), TEXT), min_size=6, max_size=6),
             min_size=1, max_size=4).map(
        lambda rows: "\n".join(
            ["organisasjonsnummer;navn;engelsk_navn;kortnavn;type;overordnet_enhet"]
            + [";".join(cell.replace(";", ",") for cell in row) for row in rows]).encode("utf-8", "replace")),
)


@st.composite
def form_data(draw, form: PageForm, endpoint: str) -> dict:
    """Values for every field of the form: most as a user would fill them and a few (or, now
    and then, all) hostile, so a bad value reaches the checks after the ones it would fail."""
    names = [name for name in form.fields if name != "csrf_token"]
    if not names:
        hostile_names = set()
    elif draw(st.integers(0, 4)) == 0:
        hostile_names = set(names)
    else:
        hostile_names = set(draw(st.lists(st.sampled_from(names), min_size=1, max_size=2)))
    values = {}
    for name in names:
        f = form.fields[name]
        if f.kind == "file":
            values[name] = draw(FILES)
        elif name in hostile_names:
            values[name] = draw(hostile(f))
        elif (good := good_value(endpoint, name)) is not None and draw(st.integers(0, 3)):
            values[name] = good
        else:
            values[name] = draw(plausible(f))
    return values


# Written on their own, whatever the answer, by design: which browsers are signed in (a
# password change refused at its limit ends the guessing browser's sign-in), and when a token
# or a sign-in was last used.
BOOKKEEPING_TABLES = {"sign_in_session"}
BOOKKEEPING_COLUMNS = {"last_used_at", "last_seen_at"}


def stored_data() -> dict[str, list[str]]:
    """Every row of every table, as the database has it: a refused form must leave it exactly
    as it was, not only as many rows (an edit changes a row in place)."""
    snapshot = {}
    for table in _db.metadata.sorted_tables:
        if table.name in BOOKKEEPING_TABLES:
            continue
        columns = [c for c in table.columns if c.name not in BOOKKEEPING_COLUMNS]
        snapshot[table.name] = sorted(map(repr, _db.session.execute(select(*columns)).all()))
    return snapshot


@pytest.fixture
def world(db, make_organisation, make_cohort, make_user):
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD", kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=kd)
    make_organisation(name_nb="Skattedirektoratet", short_name="SKD", owning_ministry=kd)
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 9, 1))
    make_cohort(label="Kull 2", start_date=date(2018, 1, 8))
    enrolment = enrol(cohort, udir)
    enrolment.status = EnrolmentStatus.CONFIRMED
    programme = cohort.programme
    joint = CourseModule(programme=programme, position=1, name_nb="Oppstart", name_en="Start",
                         kind=ModuleKind.JOINT_GATHERING, is_joint=True, offset_weeks=0)
    group_work = CourseModule(programme=programme, position=2, name_nb="Gruppearbeid",
                              name_en="Group work", kind=ModuleKind.GROUP_WORK, is_joint=False,
                              offset_weeks=3, duration_days=2)
    dimension = AssessmentDimension(programme=programme, position=1, name_nb="Klare mål",
                                    name_en="Clear goals")
    _db.session.add_all([joint, group_work, dimension])
    person = Person(name="Kari Nordmann", email="kari@example.org", organisation=udir)
    membership = Membership(person=person, role=MemberRole.TOP_LEADER, joined_on=date(2016, 9, 1))
    enrolment.memberships.append(membership)
    start = datetime(2016, 9, 5, 7, tzinfo=timezone.utc)
    session = Session(cohort=cohort, module=joint, starts_at=start, ends_at=start + timedelta(hours=6),
                      status=SessionStatus.HELD, location="Oslo")
    _db.session.add_all([person, session])
    _db.session.commit()
    admin = make_user("admin")
    token, _secret = new_token(admin, "fuzzed")
    # Invitations and password reset: a live link of each kind.
    invited = make_user("coordinator", email="invitert@example.org")
    links = {f"links.{page}_token": issue_link(invited, purpose)[1] for page, purpose in
             (("invitation", LinkPurpose.INVITATION), ("reset", LinkPurpose.PASSWORD_RESET))}
    _db.session.commit()
    world = {**links, "programme": programme, "module": group_work, "cohort": cohort, "enrolment": enrolment,
            "agency": udir, "person": person, "membership": membership, "session": session,
            "dimension": dimension, "other_user": make_user("coordinator"), "token": token,
            "admin": admin}
    world.update(survey_walks.fuzz_world(world))
    _db.session.commit()
    return world


def endpoint_url(endpoint: str, world) -> str:
    from flask import current_app

    rule = next(r for r in current_app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    for argument in rule.arguments:
        fixed = {**FIXED, **FIXED_FOR.get(endpoint, {})}
        if argument in fixed:
            values[argument] = fixed[argument]
        elif argument == "token":
            values[argument] = world[f"{endpoint}_token"]
        else:
            values[argument] = world[ARGUMENTS[argument]].id
    return url_for(endpoint, **values)


def form_endpoints(app) -> list[str]:
    return sorted(r.endpoint for r in app.url_map.iter_rules()
                  if "POST" in r.methods and not r.endpoint.startswith("api"))


def the_form(app, client, endpoint: str, world) -> PageForm:
    """The form that posts to `endpoint`, as the page the user fills it on draws it."""
    with app.test_request_context():
        action = endpoint_url(endpoint, world)
        upload_url = url_for("organisations.import_upload")
        page_url = action
        if DRAWN_ON.get(endpoint):
            page, arguments = DRAWN_ON[endpoint]
            page_url = url_for(page, **{k: world[v].id for k, v in arguments.items()})
    if endpoint == "organisations.import_confirm":
        upload = client.post(upload_url, data={
            "file": (io.BytesIO(b"navn;organisasjonsnummer;engelsk_navn;kortnavn;type;overordnet_enhet\n"
                                b"Ny etat;;;;direktorat;\n"), "r.csv"),
            "csrf_token": csrf_token(client)}, content_type="multipart/form-data")
        html, page_url = upload.get_data(as_text=True), upload_url
    else:
        html = client.get(page_url).get_data(as_text=True)
    forms = [f for f in post_forms(html, page_url) if f.action == action]
    assert forms, f"no form on the page posts to {action}"
    return forms[0]


def test_every_form_of_the_app_is_fuzzed(app):
    fuzzed = set(FUZZED) | set(NOT_FUZZED)
    assert set(form_endpoints(app)) == fuzzed


FUZZED = [
    "assessments.edit_dimension", "assessments.new_dimension", "assessments.record",
    "auth.change_password", "auth.create_token", "auth.login", "auth.revoke_token",
    "calendar.reset", "cohorts.create", "cohorts.edit", "groups.change_status", "groups.create",
    "groups.edit", "language.choose", "links.forgot", "links.invitation", "links.reset",
    "organisations.create", "organisations.edit",
    "organisations.import_confirm", "organisations.import_upload", "people.create", "people.edit",
    "people.edit_membership", "people.erase", "people.new_membership", "programmes.edit",
    "programmes.edit_module", "programmes.move_module", "programmes.new_module", "progress.record", "schedule.attendance",
    "schedule.create", "schedule.edit", "schedule.propose", "users.create", "users.edit",
    # Two-factor and confirming it is you
    "auth.confirm", "two_factor.setup",
    # Register import: merging organisations
    "organisations.merge",
    # Work in bulk (issue 11)
    "people.paste_members",
]
# The survey's forms (issue 12): tests/surveys/walk_*.py.
FUZZED += sorted(survey_walks.FUZZED)


@pytest.fixture
def kept_files(app, tmp_path):
    app.config["REGISTER_IMPORT_FOLDER"] = str(tmp_path / "register-imports")
    yield
    app.config.pop("REGISTER_IMPORT_FOLDER")


class Poster:
    """Posts to one form as the signed-in client and holds the answer to the two promises: no
    server error, and a refusal changes no table."""

    def __init__(self, app, client, world, endpoint: str):
        self.app, self.client, self.world, self.endpoint = app, client, world, endpoint
        if endpoint not in ANONYMOUS_FORMS:
            login_as(client, world["admin"])
        self.form = the_form(app, client, endpoint, world)
        self.token = csrf_token(client)
        # The tables as the last refusal left them, which it was checked to leave as it found
        # them: the next post's "before", without reading every table again.
        self.unchanged: dict | None = None

    def post(self, values: dict) -> int:
        data = {"csrf_token": self.token}
        multipart = False
        for name, value in values.items():
            if value is None:
                continue
            if isinstance(value, bytes):
                data[name] = (io.BytesIO(value), "register.csv")
                multipart = True
            else:
                data[name] = value
        before = self.unchanged if self.unchanged is not None else stored_data()
        self.unchanged = None
        response = self.client.post(self.form.action, data=data,
                                    content_type="multipart/form-data" if multipart else None)
        assert response.status_code < 500, (self.endpoint, data)
        if response.status_code >= 400:
            _db.session.expire_all()
            assert stored_data() == before, (self.endpoint, response.status_code, data)
            self.unchanged = before
        elif self.endpoint in REFILLED:
            # Saved: the next post starts from the form as it is now (its new version), if
            # there still is one (a group that completed has no next status).
            try:
                self.form = the_form(self.app, self.client, self.endpoint, self.world)
            except AssertionError:
                pass
        if VERBOSE:
            print("fuzzed", self.endpoint, response.status_code)
        return response.status_code

    def good_values(self) -> dict:
        """The form filled in as a user would, the same every time."""
        values = {}
        for name, f in self.form.fields.items():
            if name == "csrf_token":
                continue
            good = good_value(self.endpoint, name)
            if f.kind == "file":
                values[name] = GOOD_FILE
            elif good is not None:
                values[name] = good
            elif f.kind == "checkbox":
                values[name] = None  # not ticked: a tick is a choice, made by GOOD
            else:
                values[name] = f.value
        return values


# In the sweep, each field gets these in turn, the rest of the form filled in well.
SWEEP = {
    "number": [str(2**63), str(2**31), str(-(2**31) - 1)],
    "date": ["9999-12-31", "0001-01-01"],
    "time": ["23:59"],
    "text": ["a\x00b", "line\nbreak\x1b", "x" * 5000, "<script>x</script>"],
}


@pytest.mark.parametrize("endpoint", FUZZED)
def test_each_field_of_a_form_answers_the_worst_of_its_kind(app, client, world, kept_files, endpoint):
    poster = Poster(app, client, world, endpoint)
    for name, f in list(poster.form.fields.items()):
        if name == "csrf_token" or f.kind == "file":
            continue
        for value in SWEEP.get(kind_of(f), SWEEP["text"]):
            if name not in poster.form.fields:
                break
            poster.post({**poster.good_values(), name: value})


@pytest.mark.parametrize("endpoint", FUZZED)
def test_a_form_answers_any_input_without_a_server_error_or_a_partial_write(
        app, client, world, kept_files, endpoint):
    poster = Poster(app, client, world, endpoint)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def post(generated):
        poster.post(generated.draw(form_data(poster.form, endpoint), label="values"))

    post()


# The query strings the pages read, with what each page answers them.
QUERIES = {
    "/": ["years_from"],
    "/audit/": ["before", "person"],
    "/organisations/": ["page", "q"],
    "/people/": ["page", "q"],
    "/reports/sector": ["ministry", "page", "years_from"],
    "/reports/sector.csv": ["ministry"],
    "/reports/participation.xlsx": ["organisation", "ministry"],
}


@pytest.mark.parametrize("path", sorted(QUERIES))
def test_a_query_string_answers_any_value_without_a_server_error(client, world, path):
    login_as(client, world["admin"])
    value = st.one_of(st.sampled_from(HOSTILE), NUMBERS, TEXT, WORST["number"])

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({}, optional={name: value for name in QUERIES[path]}))
    def get(query):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query)

    get()
