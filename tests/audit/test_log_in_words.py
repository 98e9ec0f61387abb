"""The change log written for people: one entry per action, in the programme's words,
filterable, hidden demo entries, a constant number of statements."""
from datetime import date

import pytest

from tests.assessments.test_group_assessments import add_dimensions, form_data
from tests.conftest import login_as
from tests.html import read
from tracker.extensions import db
from tracker.groups.services import enrol
from tracker.schedule.models import Attendance, AttendanceStatus


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


@pytest.fixture
def world(make_cohort, make_organisation, make_person, make_session, frozen_clock):
    frozen_clock(date(2016, 9, 20))
    cohort = make_cohort(label="Kull 5", start_date=date(2016, 8, 29), capacity=10)
    dimensions = add_dimensions(cohort.programme, "Felles mål", "Møteeffektivitet", "Strategisk fokus")
    group = enrol(cohort, make_organisation(name_nb="Utdanningsdirektoratet"))
    other = enrol(cohort, make_organisation(name_nb="Mattilsynet"))
    session = make_session(cohort)
    kari = make_person(name="Kari Nordmann")
    db.session.commit()
    return {"cohort": cohort, "dimensions": dimensions, "group": group, "other": other,
            "session": session, "kari": kari}


def actions_on(client, query=""):
    page = client.get(f"/audit/{query}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    listed = html.split('class="ds-list--unstyled audit-actions"')[1] if "audit-actions" in html else ""
    return read(listed.encode()).text, html.count('class="audit-action"')


def test_one_assessment_recorded_is_one_entry_naming_the_group(coordinator, world):
    url = f"/assessments/groups/{world['group'].id}/baseline"
    answer = coordinator.post(url, data=form_data(coordinator, world["dimensions"], scores=("3,5", "2,75", "4")))
    assert answer.status_code in (302, 303)
    text, count = actions_on(coordinator)
    assert count == 1
    assert "Utdanningsdirektoratet" in text and "Kull 5" in text
    assert "Felles mål: 3,5" in text and "Strategisk fokus: 4" in text


def test_an_attendance_change_names_the_person_and_session_by_their_words(coordinator, world, make_user):
    mark = Attendance(person=world["kari"], session=world["session"], status=AttendanceStatus.EXCUSED)
    db.session.add(mark)
    db.session.commit()
    mark.status = AttendanceStatus.PRESENT
    db.session.commit()
    text, count = actions_on(coordinator, "?demo=y")
    module = world["session"].module.name_nb
    assert f"Kari Nordmann: meldt forfall → til stede, {module}" in text
    assert "Kull 5" in text and "#" not in text.split("Kari Nordmann")[1][:80]


def test_an_erased_person_is_shown_as_deleted(coordinator, world):
    from tracker.privacy.services import erase_person

    db.session.add(Attendance(person=world["kari"], session=world["session"], status=AttendanceStatus.ABSENT))
    db.session.commit()
    erase_person(world["kari"])
    db.session.commit()
    text, _ = actions_on(coordinator, "?demo=y")
    assert "Kari Nordmann" not in text and "(slettet)" in text


def test_the_demo_s_own_entries_are_hidden_until_asked_for(coordinator, world):
    text, count = actions_on(coordinator)
    assert count == 0 and "Utdanningsdirektoratet" not in text
    text, count = actions_on(coordinator, "?demo=y")
    assert count >= 1 and "Utdanningsdirektoratet" in text


def test_the_filters_narrow_the_log(coordinator, world):
    db.session.add(Attendance(person=world["kari"], session=world["session"], status=AttendanceStatus.PRESENT))
    db.session.commit()
    world["other"].notes = "Ny kontaktperson"
    db.session.commit()
    _, everything = actions_on(coordinator, "?demo=y")
    text, count = actions_on(coordinator, "?demo=y&person=kari+nord")
    assert count == 2 and "Kari Nordmann" in text  # she was added, then marked present
    # An organisation by part of its name (any case): its groups' changes only.
    text, count = actions_on(coordinator, "?demo=y&organisation=mattil")
    assert "Ny kontaktperson" in text and "Kari Nordmann" not in text
    text, count = actions_on(coordinator, "?demo=y&kind=attendance")
    assert count == 1
    cohort = f"?demo=y&cohort={world['cohort'].id}"
    text, in_cohort = actions_on(coordinator, cohort)
    assert 0 < in_cohort < everything  # the coordinator's own account belongs to no cohort
    # The clock stands at 20 September 2016.
    assert actions_on(coordinator, cohort + "&since=2016-09-21")[1] == 0
    assert actions_on(coordinator, cohort + "&since=2016-09-20&until=2016-09-20")[1] == in_cohort
    assert actions_on(coordinator, cohort + "&until=2016-09-19")[1] == 0


def test_the_statement_count_does_not_grow_with_the_page(coordinator, world, make_person, count_queries):
    def statements():
        with count_queries() as counter:
            assert coordinator.get("/audit/?demo=y").status_code == 200
        return counter["n"]

    db.session.add(Attendance(person=make_person(name="Deltaker"), session=world["session"],
                              status=AttendanceStatus.PRESENT))
    db.session.commit()
    few = statements()
    for n in range(15):
        person = make_person(name=f"Deltaker {n}")
        db.session.add(Attendance(person=person, session=world["session"], status=AttendanceStatus.PRESENT))
        db.session.commit()
    assert statements() == few
