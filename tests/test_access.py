"""Every endpoint, every role, objects inside and outside the user's scope, checked against
the access table. An endpoint without an entry in the table fails here."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tests import walks as survey_walks

from tests.conftest import csrf_token, login_as
from tracker.access import ACCESS, EVERYONE
from tracker.auth.tokens import new_token
from tracker.calendar.models import FeedKind
from tracker.calendar.services import make_address
from tracker.assessments.models import AssessmentDimension
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import enrol
from tracker.organisations.models import OrganisationKind
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus
from tracker.roles import Role
from tracker.users.links import issue_link
from tracker.users.models import LinkPurpose

ROLES = ["anonymous", "admin", "coordinator", "agency", "ministry", "participant"]
# A participant's account (a plain member, issue 13) has no scope of its own: it reaches a
# scoped page only where its person speaks or is expected (its person is person_in, a member of
# enrolment_in): these endpoints, inside; every other scoped page is not found for it.
PARTICIPANT_REACHES = {"absences.give", "absences.withdraw", "materials.download"}
# How each URL argument is filled, inside and outside the scope of the agency leader and
# ministry viewer below (staff see everything, so for them both are inside).
ARGUMENTS = {
    "cohort_id": ("cohort_in", "cohort_out"),
    "organisation_id": ("agency_in", "agency_out"),
    "enrolment_id": ("enrolment_in", "enrolment_out"),
    "person_id": ("person_in", "person_out"),
    "membership_id": ("membership_in", "membership_out"),
    "session_id": ("session_in", "session_out"),
    # Not scoped: the same object inside and out.
    "subject_id": ("enrolment_in", "enrolment_out"),
    "user_id": ("other_user", "other_user"),
    "programme_id": ("programme", "programme"),
    "module_id": ("module", "module"),
    "dimension_id": ("dimension", "dimension"),
}
FIXED = {"filename": "css/tracker.css", "kind": "baseline", "fmt": "csv"}
# Invitations and password reset: the `token` of a one-time link page is a live link of its
# kind (world["<endpoint>_token"]), not a calendar feed's.
LINK_PAGES = {"links.invitation", "links.reset"}
# Where one endpoint's argument means something else than elsewhere.
FIXED_FOR = {"calendar.reset": {"kind": "enrolment"}, "calendar.end_shared": {"kind": "enrolment"}}
# Single sign-on: a provider's pages exist only for a configured provider, and none is configured
# here, so they answer 404 to everyone (tests/sso walks them against a real OpenID provider).
FIXED["provider"] = "idporten"
NEEDS_A_PROVIDER = {"sso.start", "sso.callback"}
# Arguments that name something of the signed-in user's own: another user's is never found.
OWN = {"token_id"}
POST_JSON = {"api_cohorts.update", "api_sessions.record_attendance", "api_cohorts.create",
             "api_enrolments.create"}
POST_DATA = {"language.choose": {"lang": "nb"}}
# The survey's pages (issue 12) keep their entries in tests/surveys/walk_*.py.
ARGUMENTS.update(survey_walks.ACCESS_ARGUMENTS)
LINK_PAGES |= survey_walks.TOKEN_PAGES


@pytest.fixture
def world(db, make_organisation, make_cohort, make_user):
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD", kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=kd)
    fin = make_organisation(name_nb="Finansdepartementet", short_name="FIN", kind=OrganisationKind.MINISTRY)
    skd = make_organisation(name_nb="Skattedirektoratet", short_name="SKD", owning_ministry=fin)
    cohort_in, cohort_out = make_cohort(label="Kull 1"), make_cohort(label="Kull 3", start_date=date(2017, 1, 9))
    enrolment_in, enrolment_out = enrol(cohort_in, udir), enrol(cohort_out, skd)
    people = {}
    for key, enrolment in (("in", enrolment_in), ("out", enrolment_out)):
        person = Person(name=f"Kari {key}", email=f"{key}@example.org")
        membership = Membership(person=person, role=MemberRole.MEMBER, joined_on=date(2016, 9, 1))
        enrolment.memberships.append(membership)
        people[f"person_{key}"], people[f"membership_{key}"] = person, membership
    programme = cohort_in.programme
    module = CourseModule(programme=programme, position=1, name_nb="Oppstart", name_en="Start",
                          kind=ModuleKind.ASSESSMENT, is_joint=False, offset_weeks=0)
    dimension = AssessmentDimension(programme=programme, position=1, name_nb="Klare mål", name_en="Clear goals")
    start = datetime(2016, 9, 5, 7, tzinfo=timezone.utc)
    for key, enrolment in (("in", enrolment_in), ("out", enrolment_out)):
        people[f"session_{key}"] = Session(cohort=enrolment.cohort, enrolment=enrolment, module=module, starts_at=start,
                                           ends_at=start + timedelta(hours=3), status=SessionStatus.PLANNED)
    db.session.add_all([module, dimension, *people.values()])
    db.session.commit()
    users = {
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator"),
        "agency": make_user("agency", organisation=udir),
        "ministry": make_user("ministry", organisation=kd),
        "participant": make_user("participant", email="deltaker@example.org"),
    }
    users["participant"].person = people["person_in"]
    someone_else = make_user("coordinator", email="someone.else@example.org")
    api_tokens = {role: new_token(user, "access walk") for role, user in
                  [*users.items(), ("someone else", someone_else)]}
    # Revoking is walked too: it gets tokens of its own, so the walk's API calls keep theirs.
    spare_tokens = {role: new_token(user, "to revoke") for role, user in
                    [*users.items(), ("someone else", someone_else)]}
    spare_tokens["anonymous"] = spare_tokens["someone else"]
    db.session.commit()
    token = make_address(users["agency"], FeedKind.ENROLMENT, enrolment_in)
    # Invitations and password reset: a live link of each kind, of an account of its own.
    invited = make_user("coordinator", email="invitert@example.org")
    links = {f"links.{page}_token": issue_link(invited, purpose)[1] for page, purpose in
             (("invitation", LinkPurpose.INVITATION), ("reset", LinkPurpose.PASSWORD_RESET))}
    db.session.commit()
    world = {**links,
        "cohort_in": cohort_in, "cohort_out": cohort_out,
        "agency_in": udir, "agency_out": skd,
        "enrolment_in": enrolment_in, "enrolment_out": enrolment_out,
        **people,
        "programme": programme, "module": module, "dimension": dimension,
        "other_user": make_user("coordinator", email="annen@example.org"),
        "users": users,
        "feed_token": token,
        "api_tokens": api_tokens,
        "spare_tokens": spare_tokens,
    }
    world.update(survey_walks.access_world(world))
    db.session.commit()
    return world


def url_for_rule(app, rule, world, inside: bool, role: str) -> str | None:
    from flask import url_for

    values = {}
    for argument in rule.arguments:
        if argument in FIXED_FOR.get(rule.endpoint, {}):
            values[argument] = FIXED_FOR[rule.endpoint][argument]
        elif argument in FIXED:
            values[argument] = FIXED[argument]
        elif argument == "token" and rule.endpoint in LINK_PAGES:
            values[argument] = world[f"{rule.endpoint}_token"]
        elif argument == "token":
            values[argument] = world["feed_token"]
        elif argument in OWN:
            values[argument] = world["spare_tokens"][role if inside else "someone else"][0].id
        else:
            inside_key, outside_key = ARGUMENTS[argument]
            values[argument] = world[inside_key if inside else outside_key].id
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def is_api(endpoint: str) -> bool:
    return endpoint.startswith(("api_", "api-docs"))


def expected(endpoint: str, role: str, inside: bool, scoped: bool, own: bool = False) -> str:
    rule = ACCESS[endpoint]
    if endpoint in NEEDS_A_PROVIDER:
        return "not found"
    if rule.roles is EVERYONE:
        return "ok"
    if role == "anonymous":
        return "unauthorised" if is_api(endpoint) else "login"
    if own and not inside:
        return "not found"
    if Role(role) not in rule.roles:
        return "forbidden"
    if scoped and not inside and role in ("agency", "ministry", "participant"):
        return "not found"
    if scoped and role == "participant" and endpoint not in PARTICIPANT_REACHES:
        return "not found"
    return "ok"


def outcome(response) -> str:
    # The access check sends people to sign in with where they were going; signing out
    # also ends on /login, but with nowhere to go next.
    if response.status_code == 302 and "/login?next=" in response.headers["Location"]:
        return "login"
    return {401: "unauthorised", 403: "forbidden", 404: "not found"}.get(
        response.status_code, "ok" if response.status_code < 500 else "error")


def links_the_role_may_not_open(app, html: str, role: str) -> list[str]:
    """The app's own addresses a page links to (href) or posts to (form action) whose endpoint
    the access table refuses to this role."""
    from urllib.parse import urlsplit

    from werkzeug.exceptions import HTTPException

    from tests.html import read

    page = read(html)
    targets = [("GET", a["href"]) for a in page.all("a") if a.get("href")]
    targets += [((form.get("method") or "get").upper(), form["action"])
                for form in page.all("form") if form.get("action")]
    adapter = app.url_map.bind("localhost")
    refused = []
    for method, target in targets:
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue  # another site, a calendar app's webcal://, or a fragment
        try:
            endpoint, _ = adapter.match(parts.path, method=method)
        except HTTPException:
            refused.append(f"{method} {target} (no such page)")
            continue
        rule = ACCESS.get(endpoint)
        allowed = rule is not None and (rule.roles is EVERYONE or (
            role != "anonymous" and Role(role) in rule.roles))
        if not allowed:
            refused.append(f"{method} {target} ({endpoint})")
    return refused


def test_every_endpoint_has_an_entry_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ACCESS) == set(), "add these endpoints to tracker/access.py"
    assert set(ACCESS) - endpoints == set(), "the access table names endpoints that do not exist"


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_the_table_says(app, client, world, role):
    if role != "anonymous":
        login_as(client, world["users"][role])
    mismatches = []
    for rule in app.url_map.iter_rules():
        scoped = any(a in ARGUMENTS and ARGUMENTS[a][0] != ARGUMENTS[a][1] for a in rule.arguments)
        own = any(a in OWN for a in rule.arguments)
        for inside in ((True, False) if scoped or own else (True,)):
            url = url_for_rule(app, rule, world, inside, role)
            if is_api(rule.endpoint):
                # The API takes only a bearer token, never the session cookie.
                headers = {"Authorization": f"Bearer {world['api_tokens'][role][1]}"} if role != "anonymous" else {}
                method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
                response = client.open(url, method=method, headers=headers, json={} if method != "GET" else None)
            elif "GET" in rule.methods:
                response = client.get(url)
            else:
                data = {"csrf_token": csrf_token(client), **POST_DATA.get(rule.endpoint, {})}
                response = client.post(url, data=data)
            want, got = expected(rule.endpoint, role, inside, scoped, own), outcome(response)
            if response.status_code == 200 and response.mimetype == "text/html":
                for link in links_the_role_may_not_open(app, response.get_data(as_text=True), role):
                    mismatches.append(f"{rule.endpoint} {url} links to {link}, which {role} may not open")
            if want != got or (want == "ok" and "GET" in rule.methods and response.status_code not in (200, 302)):
                mismatches.append(f"{rule.endpoint} {url}: expected {want}, got {response.status_code}")
            if rule.endpoint == "auth.logout" and role != "anonymous":
                login_as(client, world["users"][role])
    assert mismatches == []


def test_an_endpoint_missing_from_the_table_is_refused(app, client, world, monkeypatch):
    monkeypatch.delitem(ACCESS, "organisations.index")
    login_as(client, world["users"]["admin"])
    assert client.get("/organisations/").status_code == 403


def test_scoped_lists_show_only_what_is_in_scope(client, world):
    login_as(client, world["users"]["ministry"])
    home = client.get("/").get_data(as_text=True)
    assert "Kull 1" in home and "Kull 3" not in home
    login_as(client, world["users"]["agency"])
    assert client.get("/").headers["Location"] == "/groups/mine"  # an agency leader's home
    organisations = client.get("/organisations/").get_data(as_text=True)
    assert "Utdanningsdirektoratet" in organisations and "Skattedirektoratet" not in organisations


def test_an_agency_leader_sees_the_cohort_but_not_another_groups_page(client, world, db, make_organisation):
    other = make_organisation(name_nb="Barne-, ungdoms- og familiedirektoratet", short_name="Bufdir")
    other_enrolment = enrol(world["cohort_in"], other)
    db.session.commit()
    login_as(client, world["users"]["agency"])
    cohort_page = client.get(f"/cohorts/{world['cohort_in'].id}").get_data(as_text=True)
    assert "Bufdir" in cohort_page  # which organisations take part is public within the cohort
    assert f"/groups/{other_enrolment.id}" not in cohort_page
    assert client.get(f"/groups/{other_enrolment.id}").status_code == 404


def test_a_ministry_viewer_never_sees_attendance_notes(client, world, db, make_cohort):
    from datetime import datetime, timedelta, timezone

    from tracker.programmes.models import CourseModule, ModuleKind
    from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

    cohort = world["cohort_in"]
    module = CourseModule(programme=cohort.programme, position=2, name_nb="Coaching", name_en="Coaching",
                          kind=ModuleKind.GROUP_WORK, is_joint=False, offset_weeks=10)
    start = datetime(2016, 11, 14, 8, tzinfo=timezone.utc)
    session = Session(cohort=cohort, enrolment=world["enrolment_in"], module=module, starts_at=start,
                      ends_at=start + timedelta(hours=3), status=SessionStatus.HELD)
    db.session.add(Attendance(person=world["person_in"], session=session, status=AttendanceStatus.EXCUSED,
                              note="Sykemeldt denne uken"))
    db.session.commit()
    url = f"/groups/{world['enrolment_in'].id}"
    for role, sees_note in (("ministry", False), ("agency", True), ("coordinator", True)):
        login_as(client, world["users"][role])
        page = client.get(url).get_data(as_text=True)
        assert ("Sykemeldt denne uken" in page) is sees_note, role
        assert "Meldt forfall" in page, role


# Who reads which text (tracker/access.py, TEXT_READERS)

# A marker in each field that is for staff alone, by the table's name for it.
MARKERS = {
    "cohort.notes": "Markør-kullnotat-kun-for-koordinatorer",
    "enrolment.notes": "Markør-gruppenotat-kun-for-koordinatorer",
    "module_progress.note": "Markør-fremdriftsnotat-kun-for-koordinatorer",
    "person.email": "markor-epost-kun-for-koordinatorer@example.org",
    "audit_entry.changes": "Markør-endringslogg-kun-for-koordinatorer",
    "audit_entry.actor": "markor-aktor-kun-for-koordinatorer@example.org",
}
# Staff and the group's own agency leaders, never the ministry above them.
MINISTRY_NEVER = {"attendance.note": "Markør-fraværsnotat-ikke-for-departementet",
                  "survey_open_answer.text": "Markør-åpent-svar-ikke-for-departementet"}


@pytest.fixture
def staff_only_text(world, db):
    from tracker.audit.models import AuditAction, AuditEntry
    from tracker.progress.models import ModuleProgress, ProgressState
    from tracker.schedule.models import Attendance, AttendanceStatus

    world["cohort_in"].notes = MARKERS["cohort.notes"]
    world["cohort_in"].participant_information = "Ta med PC til første samling"
    world["enrolment_in"].notes = MARKERS["enrolment.notes"]
    world["person_in"].email = MARKERS["person.email"]
    db.session.add(ModuleProgress(enrolment=world["enrolment_in"], module=world["module"],
                                  state=ProgressState.DONE, note=MARKERS["module_progress.note"]))
    db.session.add(Attendance(person=world["person_in"], session=world["session_in"],
                              status=AttendanceStatus.EXCUSED, note=MINISTRY_NEVER["attendance.note"]))
    db.session.add(AuditEntry(actor=MARKERS["audit_entry.actor"], action=AuditAction.UPDATE,
                              table_name="cohort", record_id=world["cohort_in"].id,
                              cohort_id=world["cohort_in"].id,
                              changes={"notes": ["", MARKERS["audit_entry.changes"]]}))
    # The group's final round, closed with three answers (its minimum), so its open answers
    # are shown to those who may read them.
    from tracker import clock
    from tracker.surveys.models import ItemAnswer, OpenAnswer, Response

    survey_round = world["survey_round_in"]
    version = survey_round.instrument_version
    for _ in range(survey_round.minimum_respondents):
        db.session.add(Response(
            round_id=survey_round.id,
            item_answers=[ItemAnswer(item_id=item.id, value=3) for item in version.items],
            open_answers=[OpenAnswer(question_id=version.open_questions[0].id,
                                     text=MINISTRY_NEVER["survey_open_answer.text"])]))
    survey_round.closed_at = clock.now()
    db.session.commit()
    return world


def test_every_staff_only_field_is_in_the_table_and_has_a_marker():
    from tracker.access import STAFF_ONLY_TEXT, TEXT_READERS, Readers

    assert set(MARKERS) == STAFF_ONLY_TEXT
    assert {f for f, readers in TEXT_READERS.items() if readers is Readers.STAFF_AND_OWN_GROUP} \
        == set(MINISTRY_NEVER)


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_no_page_an_agency_leader_or_ministry_viewer_opens_shows_staff_only_text(
        app, client, staff_only_text, role):
    """Every page and export (not the API) the role may open, for records in their scope, with
    a marker in each staff-only field: none of the markers is on any of them."""
    world = staff_only_text
    login_as(client, world["users"][role])
    hidden = {**MARKERS, **(MINISTRY_NEVER if role == "ministry" else {})}
    opened, leaks = [], []
    for rule in app.url_map.iter_rules():
        if is_api(rule.endpoint) or "GET" not in rule.methods or rule.endpoint in ("static", "calendar.feed"):
            continue
        allowed = ACCESS[rule.endpoint].roles
        if allowed is not EVERYONE and Role(role) not in allowed:
            continue
        url = url_for_rule(app, rule, world, True, role)
        response = client.get(url, headers={"Accept-Language": "en"})
        if response.status_code != 200:
            continue
        opened.append(rule.endpoint)
        body = response.get_data(as_text=True)
        leaks += [f"{rule.endpoint} {url} shows {field}" for field, marker in hidden.items() if marker in body]
    assert leaks == []
    assert {"cohorts.detail", "groups.detail", "groups.mine" if role == "agency" else "reports.sector",
            "reports.cohort_attendance_export"} <= set(opened)


def test_staff_see_the_notes_and_everyone_the_participant_information(client, staff_only_text):
    world = staff_only_text
    url = f"/cohorts/{world['cohort_in'].id}"
    for role, sees_notes in (("coordinator", True), ("admin", True), ("agency", False), ("ministry", False)):
        login_as(client, world["users"][role])
        html = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert (MARKERS["cohort.notes"] in html) is sees_notes, role
        assert ("Coordinators' notes" in html) is sees_notes, role
        assert "Information for participants" in html and "Ta med PC til første samling" in html, role


def test_the_groups_own_leader_and_staff_read_its_open_answers(client, staff_only_text):
    """The other side of MINISTRY_NEVER for the survey: the marker is there to be found."""
    world = staff_only_text
    url = f"/surveys/groups/{world['enrolment_in'].id}/results"
    for role, reads in (("coordinator", True), ("agency", True), ("ministry", False)):
        login_as(client, world["users"][role])
        html = client.get(url).get_data(as_text=True)
        assert (MINISTRY_NEVER["survey_open_answer.text"] in html) is reads, role
