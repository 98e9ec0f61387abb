"""Output is escaped everywhere: markup stored in every text a user or a file can set comes back
as text on every page, form, preview and message, never as markup. Translated messages that carry
such a value (labels, descriptions, import reasons, flashes) are escaped like the value itself."""
import csv
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from tests.conftest import csrf_token, login_as
from tests.messages.walk_stored import message_world  # issue 13
from tests.surveys.walk_stored import survey_world
from tests.materials.walk_stored import materials_world
from tests.test_bounds_stored import page_urls
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

# Two ways in: a tag, and breaking out of an attribute's quotes.
SCRIPT = "<script>x</script>"
ATTRIBUTE = '"><img src=x>'
PAYLOAD = f"{SCRIPT}{ATTRIBUTE}"
UNESCAPED = re.compile(r"<script>x|<img src=x")
EN = {"Accept-Language": "en"}


def unescaped(html: str) -> list[str]:
    """Each place where the payload arrived as markup, with a little context."""
    return [html[max(0, m.start() - 60):m.end() + 20] for m in UNESCAPED.finditer(html)]


@pytest.fixture
def world(db, make_organisation, make_cohort, make_user):
    kd = make_organisation(name_nb=f"KD {PAYLOAD}", name_en=f"MER {PAYLOAD}", short_name=ATTRIBUTE,
                           kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb=f"Udir {PAYLOAD}", name_en=f"Udir en {PAYLOAD}",
                             short_name=SCRIPT, owning_ministry=kd)
    skd = make_organisation(name_nb=f"SKD {PAYLOAD}", owning_ministry=kd)
    cohort = make_cohort(label=f"K1 {PAYLOAD}", notes=PAYLOAD, start_date=date(2016, 9, 1))
    later = make_cohort(label=f"K2 {ATTRIBUTE}", start_date=date(2019, 1, 7))
    third = make_cohort(label=f"K3 {SCRIPT}", start_date=date(2022, 1, 10))
    enrolment = enrol(cohort, udir, notes=PAYLOAD)
    enrol(later, skd, notes=PAYLOAD)
    db.session.flush()
    enrolment.status = EnrolmentStatus.CONFIRMED
    programme = cohort.programme
    programme.name_nb, programme.name_en = f"Program {PAYLOAD}", f"Programme {PAYLOAD}"
    programme.description_nb = programme.description_en = PAYLOAD
    programme.responsible_organisation.name_nb = f"Difi {PAYLOAD}"
    joint = CourseModule(programme=programme, position=1, name_nb=f"Samling {PAYLOAD}",
                         name_en=f"Gathering {PAYLOAD}", kind=ModuleKind.JOINT_GATHERING,
                         is_joint=True, offset_weeks=0)
    group_work = CourseModule(programme=programme, position=2, name_nb=f"Gruppe {PAYLOAD}",
                              name_en=f"Group {PAYLOAD}", kind=ModuleKind.GROUP_WORK,
                              is_joint=False, offset_weeks=2)
    unplanned = CourseModule(programme=programme, position=3, name_nb=f"Plan {PAYLOAD}",
                             name_en=f"Plan {PAYLOAD}", kind=ModuleKind.GROUP_WORK,
                             is_joint=False, offset_weeks=6)
    dimension = AssessmentDimension(programme=programme, position=1, name_nb=f"Mål {PAYLOAD}",
                                    name_en=f"Goals {PAYLOAD}", description_nb=PAYLOAD,
                                    description_en=PAYLOAD)
    db.session.add_all([joint, group_work, unplanned, dimension])
    person = Person(name=f"Kari {PAYLOAD}", email="kari@example.org", title=PAYLOAD, organisation=udir)
    membership = Membership(person=person, role=MemberRole.TOP_LEADER, joined_on=date(2016, 9, 1))
    enrolment.memberships.append(membership)
    session = Session(cohort=cohort, module=joint, location=PAYLOAD, status=SessionStatus.HELD,
                      starts_at=datetime(2016, 9, 5, 7, tzinfo=timezone.utc),
                      ends_at=datetime(2016, 9, 5, 13, tzinfo=timezone.utc))
    group_session = Session(cohort=cohort, enrolment=enrolment, module=group_work, location=PAYLOAD,
                            status=SessionStatus.PLANNED,
                            starts_at=datetime(2016, 9, 19, 7, tzinfo=timezone.utc),
                            ends_at=datetime(2016, 9, 19, 13, tzinfo=timezone.utc))
    db.session.add_all([person, session, group_session])
    db.session.flush()
    baseline = Assessment(enrolment=enrolment, kind=AssessmentKind.BASELINE,
                          assessed_on=date(2016, 9, 5), respondents=5)
    baseline.scores.append(AssessmentScore(dimension=dimension, score=Decimal("3.00")))
    db.session.add_all([
        Attendance(person=person, session=session, status=AttendanceStatus.ABSENT, note=PAYLOAD),
        baseline,
        ModuleProgress(enrolment=enrolment, module=unplanned, state=ProgressState.IN_PROGRESS,
                       note=PAYLOAD),
        EnrolmentStatusChange(enrolment=enrolment, status=EnrolmentStatus.CONFIRMED, reason=PAYLOAD),
    ])
    db.session.commit()
    users = {
        "admin": make_user("admin"),
        "coordinator": make_user("coordinator"),
        "agency": make_user("agency", organisation=udir),
        "ministry": make_user("ministry", organisation=kd),
    }
    db.session.commit()
    # The coordinator's own addresses of the group's and the cohort's feeds.
    tokens = {kind: make_address(users["coordinator"], kind, subject) for kind, subject in
              ((FeedKind.ENROLMENT, enrolment), (FeedKind.COHORT, cohort))}
    db.session.commit()
    world = {"cohort": cohort, "far_cohort": later, "early": third, "enrolment": enrolment,
             "kd": kd, "udir": udir, "person": person, "membership": membership,
             "session": session, "module": joint, "dimension": dimension,
             "programme": programme, "tokens": tokens, "users": users}
    return {**world, **survey_world(world, PAYLOAD), **materials_world(world, PAYLOAD),
            **message_world(world, PAYLOAD)}


@pytest.mark.parametrize("role", ["admin", "coordinator", "agency", "ministry"])
@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_page_and_form_shows_stored_markup_as_text(app, client, world, role, language):
    login_as(client, world["users"][role])
    found, html_pages = {}, 0
    for url in page_urls(app, world):
        response = client.get(url, headers={"Accept-Language": language})
        if not response.mimetype.startswith("text/html"):
            continue
        html_pages += 1
        if places := unescaped(response.get_data(as_text=True)):
            found[url] = places
    assert html_pages > 20
    assert found == {}


def test_the_proposal_form_labels_carry_module_and_group_names_escaped(client, world):
    login_as(client, world["users"]["coordinator"])
    response = client.get(f"/schedule/cohorts/{world['cohort'].id}/proposal", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The label is "<module>, <group>": both values in it, escaped.
    assert "Plan &lt;script&gt;x&lt;/script&gt;&#34;&gt;&lt;img src=x&gt;, Udir" in html
    assert unescaped(html) == []


def test_the_assessment_form_describes_a_dimension_escaped(client, world):
    login_as(client, world["users"]["coordinator"])
    response = client.get(f"/assessments/groups/{world['enrolment'].id}/baseline", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;&#34;&gt;&lt;img src=x&gt; The group&#39;s mean score" in html
    assert unescaped(html) == []


@pytest.fixture
def kept_files(app, tmp_path):
    app.config["REGISTER_IMPORT_FOLDER"] = str(tmp_path / "register-imports")
    yield
    app.config.pop("REGISTER_IMPORT_FOLDER")


def test_the_register_import_preview_and_its_reasons_show_the_files_markup_as_text(
        client, world, kept_files):
    login_as(client, world["users"]["coordinator"])
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows([
        ["organisasjonsnummer", "navn", "engelsk_navn", "kortnavn", "type", "overordnet_enhet"],
        ["", f"Ny {ATTRIBUTE}", "", "", "direktorat", ""],                 # new
        ["", f"Ny {ATTRIBUTE}", "", "", "direktorat", ""],                 # the same name: a reason with it
        ["", f"Etat {SCRIPT}", "", "", SCRIPT, ""],                        # unknown kind, named in the reason
        ["", f"Etat 2 {SCRIPT}", "", "", "direktorat", f"Ingen {ATTRIBUTE}"],  # parent nowhere, named
    ])
    content = out.getvalue().encode()
    response = client.post("/organisations/import", data={
        "file": (io.BytesIO(content), "register.csv"), "csrf_token": csrf_token(client),
    }, content_type="multipart/form-data", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Unknown kind “&lt;script&gt;x&lt;/script&gt;”" in html
    assert "The parent Ingen &#34;&gt;&lt;img src=x&gt; is neither" in html
    assert unescaped(html) == []


def test_a_saved_name_comes_back_escaped_in_the_flash_message(client, world):
    login_as(client, world["users"]["coordinator"])
    response = client.post("/organisations/new", headers=EN, follow_redirects=True, data={
        "name_nb": f"Ny etat {PAYLOAD}", "name_en": "", "short_name": "", "org_number": "",
        "kind": "DIRECTORATE", "owning_ministry": "", "active_from": "", "active_to": "",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ny etat &lt;script&gt;x&lt;/script&gt;&#34;&gt;&lt;img src=x&gt; is added." in html
    assert unescaped(html) == []


def test_a_refusal_that_names_another_record_is_escaped(client, world):
    login_as(client, world["users"]["coordinator"])
    # Udir is in K1 already: enrolling it in an overlapping cohort is refused, naming K1.
    overlapping = world["far_cohort"]
    overlapping.start_date = date(2016, 10, 3)
    from tracker.extensions import db
    db.session.commit()
    response = client.post(f"/groups/cohorts/{overlapping.id}/new", headers=EN, data={
        "organisation": str(world["udir"].id), "status": "INVITED", "notes": "",
        "csrf_token": csrf_token(client)})
    assert response.status_code in (400, 409)
    html = response.get_data(as_text=True)
    assert "K1 &lt;script&gt;" in html
    assert unescaped(html) == []
