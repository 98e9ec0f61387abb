"""Nothing stored can break a page or a file: records holding the extreme values a database (or
an older version of the API) could hold, and text with line breaks and control characters,
are shown by every page, export and feed without a server error."""
import csv
import io
import re
import traceback
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import icalendar
import openpyxl
import pytest
from flask import url_for

from tests.conftest import login_as
from tests.messages.walk_stored import ARGUMENTS as MESSAGE_ARGUMENTS, message_world  # issue 13
from tests.surveys.walk_stored import ARGUMENTS as SURVEY_ARGUMENTS, survey_world
from tests.materials.walk_stored import ARGUMENTS as MATERIAL_ARGUMENTS, materials_world
from tracker.assessments.models import Assessment, AssessmentDimension, AssessmentKind, AssessmentScore
from tracker.calendar.models import FeedKind
from tracker.calendar.services import make_address
from tracker.groups.models import EnrolmentStatus, EnrolmentStatusChange
from tracker.groups.services import enrol
from tracker.organisations.models import OrganisationKind
from tracker.people.models import MemberRole, Membership, Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.progress.models import ModuleProgress, ProgressState
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

# A name or note as someone could have stored it: line breaks, a tab, escape, a vertical tab
# (which openpyxl refuses), a form feed, DEL and a C1 control; and a formula for a spreadsheet.
HOSTILE = "Kari\r\nNord\tmann\x1b[31m\x0b\x0c\x7f\x85 =HYPERLINK(\"x\")"
FORMULA = "=1+1"
FAR = date(9999, 12, 31)
EARLY = date(1, 1, 1)
# The latest a session could be stored at: 09:00 in Oslo on the last day a date can hold. (An
# instant after 23:00 UTC that day has no Oslo date at all.)
FAR_AT = datetime(9999, 12, 31, 8, tzinfo=timezone.utc)
EARLY_AT = datetime(1, 1, 2, 9, tzinfo=timezone.utc)


@pytest.fixture
def world(db, make_organisation, make_cohort, make_user):
    kd = make_organisation(name_nb=f"Kunnskaps{HOSTILE}", name_en=FORMULA, short_name="K\nD",
                           kind=OrganisationKind.MINISTRY, active_from=EARLY, active_to=FAR)
    udir = make_organisation(name_nb=f"Udir {HOSTILE}", short_name="@SUM(A1)", owning_ministry=kd)
    skd = make_organisation(name_nb="+Skatt", owning_ministry=kd)
    cohort = make_cohort(label="Kull 1")
    far_cohort = make_cohort(label="Kull 9999", start_date=date(2016, 1, 11))
    early = make_cohort(label="Kull 0", start_date=date(2015, 1, 12))
    enrolment, far_enrolment = enrol(cohort, udir), enrol(far_cohort, skd)
    db.session.flush()
    # Stored past the limits of today's forms and API, as the database could hold them.
    cohort.notes = HOSTILE
    cohort.planned_end = FAR
    far_cohort.start_date, far_cohort.planned_end, far_cohort.year = date(9999, 1, 1), FAR, 2100
    early.start_date, early.planned_end, early.year = EARLY, date(1, 12, 31), 2000
    enrolment.notes = HOSTILE
    enrolment.status = EnrolmentStatus.CONFIRMED
    programme = cohort.programme
    programme.description_nb = HOSTILE
    module = CourseModule(programme=programme, position=1, name_nb=f"Opp{HOSTILE}", name_en="-start",
                          kind=ModuleKind.JOINT_GATHERING, is_joint=True, offset_weeks=0)
    group_module = CourseModule(programme=programme, position=2, name_nb="Gruppe", name_en="Group",
                                kind=ModuleKind.GROUP_WORK, is_joint=False, offset_weeks=2**31 - 1,
                                duration_days=14, hours_per_day=12)
    dimension = AssessmentDimension(programme=programme, position=1, name_nb=f"Mål{HOSTILE}",
                                    name_en="=mål", description_nb=HOSTILE)
    db.session.add_all([module, group_module, dimension])
    person = Person(name=f"@{HOSTILE}", email="kari@example.org", title=HOSTILE, organisation=udir)
    membership = Membership(person=person, role=MemberRole.TOP_LEADER, joined_on=EARLY, left_on=FAR)
    enrolment.memberships.append(membership)
    other = Person(name="-Ola", email="ola@example.org")
    far_enrolment.memberships.append(Membership(person=other, role=MemberRole.MEMBER,
                                                joined_on=date(9999, 1, 1)))
    sessions = [
        Session(cohort=cohort, module=module, starts_at=FAR_AT, ends_at=FAR_AT + timedelta(hours=3),
                status=SessionStatus.PLANNED, location=HOSTILE),
        Session(cohort=cohort, module=module, starts_at=EARLY_AT, ends_at=EARLY_AT + timedelta(hours=3),
                status=SessionStatus.HELD, location=FORMULA),
        Session(cohort=cohort, enrolment=enrolment, module=group_module, starts_at=EARLY_AT,
                ends_at=FAR_AT, status=SessionStatus.HELD, location=HOSTILE),
        Session(cohort=far_cohort, module=module, starts_at=FAR_AT, ends_at=FAR_AT + timedelta(hours=3),
                status=SessionStatus.PLANNED),
        Session(cohort=cohort, module=module, starts_at=datetime(2016, 9, 5, 7, tzinfo=timezone.utc),
                ends_at=datetime(2016, 9, 5, 13, tzinfo=timezone.utc), status=SessionStatus.HELD,
                location=HOSTILE),
    ]
    db.session.add_all([module, group_module, dimension, person, other, *sessions])
    db.session.flush()
    for session in sessions[1:3] + sessions[4:]:
        db.session.add(Attendance(person=person, session=session, status=AttendanceStatus.ABSENT,
                                  note=HOSTILE))
    assessment = Assessment(enrolment=enrolment, kind=AssessmentKind.BASELINE, assessed_on=FAR,
                            respondents=2**31 - 1)
    assessment.scores.append(AssessmentScore(dimension=dimension, score=Decimal("5.00")))
    final = Assessment(enrolment=enrolment, kind=AssessmentKind.FINAL, assessed_on=EARLY, respondents=1)
    final.scores.append(AssessmentScore(dimension=dimension, score=Decimal("1.00")))
    db.session.add_all([
        assessment, final,
        ModuleProgress(enrolment=enrolment, module=group_module, state=ProgressState.DONE,
                       recorded_at=FAR_AT, note=HOSTILE),
        EnrolmentStatusChange(enrolment=enrolment, status=EnrolmentStatus.CONFIRMED, changed_at=FAR_AT,
                              reason=HOSTILE),
    ])
    db.session.commit()
    users = {
        "coordinator": make_user("coordinator"),
        "agency": make_user("agency", organisation=udir),
        "ministry": make_user("ministry", organisation=kd),
    }
    db.session.commit()
    # The coordinator's own addresses of the group's and the cohort's feeds.
    tokens = {kind: make_address(users["coordinator"], kind, subject) for kind, subject in
              ((FeedKind.ENROLMENT, enrolment), (FeedKind.COHORT, cohort))}
    db.session.commit()
    world = {"cohort": cohort, "far_cohort": far_cohort, "early": early, "enrolment": enrolment,
             "kd": kd, "udir": udir, "person": person, "membership": membership,
             "session": sessions[0], "module": module, "dimension": dimension,
             "programme": programme, "tokens": tokens, "users": users}
    return {**world, **survey_world(world, HOSTILE), **materials_world(world, HOSTILE),
            **message_world(world, HOSTILE)}


ARGUMENTS = {
    "cohort_id": "cohort", "organisation_id": "udir", "enrolment_id": "enrolment",
    "subject_id": "enrolment", "person_id": "person", "membership_id": "membership",
    "session_id": "session", "programme_id": "programme", "module_id": "module",
    "dimension_id": "dimension",
    # The survey's records (issue 12): tests/surveys/walk_stored.py.
    **SURVEY_ARGUMENTS,
    # Issue 13, materials: tests/materials/walk_stored.py.
    **MATERIAL_ARGUMENTS,
    # Messages (issue 13): tests/messages/walk_stored.py.
    **MESSAGE_ARGUMENTS,
}
FIXED = {"kind": "baseline", "fmt": "csv"}
SKIPPED = {"static", "calendar.reset",
           # Single sign-on: 404 with no provider configured; what its pages show of a provider's
           # answer (an identity's label) is checked in tests/sso.
           "sso.start", "sso.callback"}


def page_urls(app, world) -> list[str]:
    """Every GET page, export and feed of the app (not the JSON API), filled with the world's
    records; a list with a filter is asked once plain and once for each extreme."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in SKIPPED or rule.endpoint.startswith("api"):
                continue
            values = {}
            for argument in rule.arguments:
                if argument in FIXED:
                    values[argument] = FIXED[argument]
                elif argument == "token":
                    values[argument] = world["tokens"][FeedKind.ENROLMENT]
                elif argument == "user_id":
                    values[argument] = world["users"]["coordinator"].id
                elif argument == "filename":
                    values[argument] = "css/tracker.css"
                else:
                    values[argument] = world[ARGUMENTS[argument]].id
            urls.append(url_for(rule.endpoint, **values))
            if rule.endpoint == "calendar.feed":
                urls.append(url_for(rule.endpoint, token=world["tokens"][FeedKind.COHORT]))
        for fmt in ("csv", "xlsx"):
            for cohort in ("cohort", "far_cohort", "early"):
                urls.append(url_for("reports.cohort_attendance_export", cohort_id=world[cohort].id,
                                    fmt=fmt))
            urls.append(url_for("reports.sector_export", fmt=fmt, ministry=world["kd"].id))
            urls.append(url_for("reports.participation_export", fmt=fmt, ministry=world["kd"].id))
            urls.append(url_for("reports.participation_export", fmt=fmt, organisation=world["udir"].id))
        urls.append(url_for("reports.sector", ministry=world["kd"].id))
        for cohort in ("far_cohort", "early"):
            urls.append(url_for("cohorts.detail", cohort_id=world[cohort].id))
    return urls


def failures_on(client, urls) -> list[tuple[str, str]]:
    """Each URL that answered a server error, or raised one (tests see the exception itself)."""
    failures = []
    for url in urls:
        try:
            response = client.get(url)
        except Exception as error:  # noqa: BLE001  (every failure is collected, then shown)
            where = [f"{frame.filename.split('/tracker/')[-1]}:{frame.lineno}"
                     for frame in traceback.extract_tb(error.__traceback__) if "/tracker/" in frame.filename]
            failures.append((url, f"{type(error).__name__}: {error} at {' < '.join(where[::-1][:3])}"))
            continue
        if response.status_code >= 500:
            failures.append((url, str(response.status_code)))
    return failures


@pytest.mark.parametrize("role", ["coordinator", "agency", "ministry"])
def test_no_page_export_or_feed_breaks_on_extreme_stored_values(app, client, world, role):
    login_as(client, world["users"][role])
    failures = failures_on(client, page_urls(app, world))
    assert not failures, "\n".join(f"{url}: {what}" for url, what in failures)


@pytest.mark.parametrize("day", [date(2017, 3, 1), date(9999, 12, 30), date(1900, 1, 2)])
def test_no_page_breaks_whatever_today_is(app, client, world, frozen_clock, day):
    frozen_clock(day)
    login_as(client, world["users"]["coordinator"])
    failures = failures_on(client, page_urls(app, world))
    assert not failures, "\n".join(f"{url}: {what}" for url, what in failures)


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def test_a_feed_keeps_every_content_line_whole_and_folded(client, world):
    body = client.get(f"/calendar/{world['tokens'][FeedKind.COHORT]}.ics").data
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\r" not in line and b"\n" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)  # octets, as RFC 5545 folds them
    text = body.decode()
    assert not CONTROL.search(text.replace("\r\n", ""))
    unfolded = text.replace("\r\n ", "")
    assert "LOCATION:Kari Nord mann[31m =HYPERLINK(\"x\")" in unfolded.replace("\\", "")
    calendar = icalendar.Calendar.from_ical(body)
    assert len(calendar.walk("VEVENT")) == 4  # the cohort's joint sessions, and a gathering (walk_stored)


def test_an_attendance_csv_guards_formulas_and_holds_no_control_characters(staff_client, world):
    response = staff_client.get(f"/reports/cohorts/{world['cohort'].id}/attendance.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert not CONTROL.search(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert any(cell.startswith(("'=", "'+", "'@")) for cell in cells), text
    # A note keeps its line break, inside one quoted field.
    assert any("Kari\r\nNord\tmann" in cell for cell in cells)


def test_an_attendance_workbook_opens_with_text_as_text(staff_client, world):
    response = staff_client.get(f"/reports/cohorts/{world['cohort'].id}/attendance.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    # (XML reads a stored CR LF back as LF.)
    assert any(isinstance(v, str) and re.search("Kari\r?\nNord\tmann", v) for v in values)
    assert not any(isinstance(v, str) and CONTROL.search(v) for v in values)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value


@pytest.fixture
def staff_client(client, world):
    login_as(client, world["users"]["coordinator"])
    return client


def test_working_days_hold_at_the_last_date_instead_of_overflowing():
    from tracker.working_days import add_days, meeting_days, next_working_day, working_days_from

    assert add_days(date(9999, 12, 30), 7 * (2**31 - 1)) == date.max
    assert add_days(date(1, 1, 2), -10) == date.min
    assert add_days(date(2017, 3, 1), 7) == date(2017, 3, 8)
    assert next_working_day(date.max) == date.max  # a Friday, and no day after it
    assert working_days_from(date(9999, 12, 30), 14) == [date(9999, 12, 30), date.max]
    last = datetime(9999, 12, 31, 8, tzinfo=timezone.utc)
    assert meeting_days(last, last + timedelta(hours=3)) == [date.max]
    # Years long (stored by mistake): the first and last day, and a year of working days between.
    days = meeting_days(datetime(2017, 1, 2, 8, tzinfo=timezone.utc), last)
    assert days[0] == date(2017, 1, 2) and days[-1] == date.max
    assert all(day < date(2018, 1, 3) for day in days[:-1]) and len(days) > 200
