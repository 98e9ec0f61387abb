"""Issue 14: the change log stays the same size and cost however long the programme's history.
A page runs the same few statements with 60 or 600 actions and 3 or 40 cohorts, whatever mix
of tables it names; its filter offers the newest cohorts, not every cohort and group ever, and
finds an organisation's, a person's or a user's changes by a name searched in SQL; a filter
it cannot read is a 400 naming the field."""
import re
from datetime import date, timedelta

import pytest

from tests.conftest import login_as
from tracker.audit.forms import RECENT_COHORTS
from tracker.extensions import db
from tracker.groups.services import enrol
from tracker.schedule.models import Attendance, AttendanceStatus

EN = {"Accept-Language": "en"}


@pytest.fixture
def coordinator(client, make_user):
    user = make_user("coordinator", email="kari.koordinator@example.org")
    login_as(client, user)
    return client


@pytest.fixture
def history(make_cohort, make_organisation, make_person, make_session):
    """A programme's history that can grow: cohorts, each with a group and a group session,
    and actions of several kinds (attendance marks, a group's notes, new organisations)."""
    state = {"cohorts": [], "groups": [], "sessions": [], "actions": 0}

    def add_cohorts(count: int) -> None:
        for _n in range(count):
            number = len(state["cohorts"])
            cohort = make_cohort(label=f"Kull {number}", start_date=date(2010, 1, 4) + timedelta(days=120 * number))
            group = enrol(cohort, make_organisation(name_nb=f"Etat {number}"))
            state["cohorts"].append(cohort)
            state["groups"].append(group)
            state["sessions"].append(make_session(cohort, group=group))
            db.session.commit()

    def add_actions(count: int) -> None:
        for _n in range(count):
            n = state["actions"]
            state["actions"] += 1
            kind = n % 3
            place = n % len(state["cohorts"])
            if kind == 0:
                db.session.add(Attendance(person=make_person(name=f"Deltaker {n}"),
                                          session=state["sessions"][place], status=AttendanceStatus.PRESENT))
            elif kind == 1:
                state["groups"][place].notes = f"Notat {n}"
            else:
                make_organisation(name_nb=f"Virksomhet {n}")
            db.session.commit()

    state["add_cohorts"], state["add_actions"] = add_cohorts, add_actions
    return state


def statements(client, count_queries, url: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter["n"]


def urls(history) -> list[str]:
    """A page of each kind: the whole log, filtered every way, an older page, a cohort's and
    a group's own log; the first cohort and group (the oldest), whose log grows too."""
    cohort, group = history["cohorts"][0], history["groups"][0]
    return ["/audit/?demo=y", "/audit/?demo=y&kind=organisation",
            f"/audit/?demo=y&cohort={cohort.id}&organisation=etat&person=deltaker&user=kari"
            "&since=2000-01-01&until=2100-01-01",
            "/audit/?demo=y&before=1000000", f"/audit/cohorts/{cohort.id}?demo=y",
            f"/audit/groups/{group.id}?demo=y&kind=attendance"]


def test_a_page_runs_the_same_few_statements_however_long_the_history(coordinator, history,
                                                                        count_queries):
    history["add_cohorts"](3)
    history["add_actions"](60)
    coordinator.get("/audit/")  # the sign-in's first request
    few = [statements(coordinator, count_queries, url) for url in urls(history)]
    history["add_actions"](540)
    history["add_cohorts"](37)
    history["add_actions"](60)  # the newest actions reach the new cohorts too
    many = [statements(coordinator, count_queries, url) for url in urls(history)]
    assert many == few
    assert max(many) <= 15


def test_naming_a_page_is_one_statement_whatever_tables_it_names(coordinator, history, count_queries):
    history["add_cohorts"](3)
    history["add_actions"](60)
    coordinator.get("/audit/")
    # Organisations only, against attendance marks (a person, a session, its module, group,
    # organisation and cohort) and groups' notes mixed: the names cost the same.
    only_organisations = statements(coordinator, count_queries, "/audit/?demo=y&kind=organisation")
    mixed = statements(coordinator, count_queries, "/audit/?demo=y")
    assert only_organisations == mixed
    html = coordinator.get("/audit/?demo=y", headers=EN).get_data(as_text=True)
    # The names the single statement found: a person, their session's cohort, a group.
    assert "Deltaker 57" in html and "Kull 0" in html and "Notat 58" in html


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1)) if select else []


def test_the_filter_offers_the_newest_cohorts_not_every_cohort_and_group(coordinator, history):
    history["add_cohorts"](3)
    html = coordinator.get("/audit/", headers=EN).get_data(as_text=True)
    assert options(html, "cohort") == ["All", "Kull 2", "Kull 1", "Kull 0"]
    small = len(html)
    history["add_cohorts"](37)
    html = coordinator.get("/audit/", headers=EN).get_data(as_text=True)
    assert options(html, "cohort") == ["All"] + [f"Kull {n}" for n in range(39, 39 - RECENT_COHORTS, -1)]
    # No drop-down of groups at all: an organisation is searched by name.
    assert 'name="group"' not in html and "<option>Etat" not in html
    assert 'name="organisation"' in html and 'type="text"' in html
    assert len(html) < small + 1000  # twelve more options at most, nothing for 37 groups


def test_an_older_cohort_is_reached_from_its_link_and_its_own_page(coordinator, history):
    history["add_cohorts"](20)
    history["add_actions"](3)
    oldest = history["cohorts"][0]
    html = coordinator.get(f"/audit/?cohort={oldest.id}&demo=y", headers=EN).get_data(as_text=True)
    # Chosen by a link (its own page's filter, a bookmark): shown chosen, not refused.
    assert re.search(rf'<option (selected value="{oldest.id}"|value="{oldest.id}" selected)>Kull 0</option>', html)
    assert "Deltaker 0" in html and "Virksomhet 2" not in html
    cohort_page = coordinator.get(f"/cohorts/{oldest.id}", headers=EN).get_data(as_text=True)
    assert f'href="/audit/cohorts/{oldest.id}"' in cohort_page
    # A cohort's own log has no cohort to choose; a group's none of the organisation either.
    own = coordinator.get(f"/audit/cohorts/{oldest.id}", headers=EN).get_data(as_text=True)
    assert 'name="cohort"' not in own and 'name="organisation"' in own
    group = coordinator.get(f"/audit/groups/{history['groups'][0].id}", headers=EN).get_data(as_text=True)
    assert 'name="cohort"' not in group and 'name="organisation"' not in group


def listed(client, query: str) -> str:
    response = client.get(f"/audit/?demo=y&{query}", headers=EN)
    assert response.status_code == 200, query
    html = response.get_data(as_text=True)
    return html.split("audit-actions", 1)[1] if "audit-actions" in html else ""


def test_the_filters_find_an_organisations_a_users_and_a_cohorts_changes(coordinator, history,
                                                                         make_organisation):
    history["add_cohorts"](2)
    history["add_actions"](6)
    make_organisation(name_nb="Statens 100%_vegvesen")
    db.session.commit()
    # By part of the organisation's name, any case: its groups' changes only.
    found = listed(coordinator, "organisation=ETAT+1")
    assert "Notat 1" in found and "Deltaker 3" in found
    assert "Notat 4" not in found and "Deltaker 0" not in found and "Virksomhet" not in found
    # % and _ are taken as they are.
    assert listed(coordinator, "organisation=100%25_") == ""
    assert listed(coordinator, "kind=organisation&person=&organisation=") != ""
    # Who changed it: the command line wrote all of this, no signed-in user.
    assert listed(coordinator, "user=kari") == ""
    cohort = history["cohorts"][1]
    found = listed(coordinator, f"cohort={cohort.id}")
    assert "Deltaker 3" in found and "Deltaker 0" not in found and "Virksomhet" not in found


def test_a_users_changes_are_found_by_their_name_or_address(coordinator, history, make_user):
    from tracker.audit.services import log_page
    from tracker.audit.forms import LogFilterForm
    from werkzeug.datastructures import MultiDict

    history["add_cohorts"](1)
    history["add_actions"](2)
    # A change made by a signed-in user: their account's row in the log.
    other = make_user("coordinator", email="ola.annen@example.org")
    db.session.commit()
    with coordinator.application.test_request_context():
        for search, expected in (("ola.ann", True), ("ANNEN@", True), ("kari.koord", False)):
            form = LogFilterForm(formdata=MultiDict({"user": search, "demo": "y"}))
            assert form.validate()
            ids = db.session.scalars(form.users_of()).all()
            assert (other.id in ids) is expected, search
            log_page(None, 50, **form.filters())  # runs, whatever the search


@pytest.mark.parametrize("query, field", [
    ("cohort=junk", "Cohort"), ("cohort=0", "Cohort"), ("cohort=-3", "Cohort"),
    ("cohort=999999", "Cohort"), (f"cohort={2**40}", "Cohort"), ("cohort=1e3", "Cohort"),
    ("kind=nothing", "Type"), ("kind=%00", "Type"), ("since=20166-01-01", "From"),
    ("until=junk", "To"), ("until=9999-12-31", "To"), ("person=Kari%00", "Person"),
    ("organisation=Etat%0A1", "Organisation"), ("user=" + "x" * 201, "Changed by"),
    ("person=" + "y" * 201, "Person"),
])
def test_a_filter_it_cannot_read_is_a_400_naming_the_field(coordinator, history, query, field):
    history["add_cohorts"](1)
    history["add_actions"](3)
    response = coordinator.get(f"/audit/?demo=y&{query}", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'class="ds-validation-message"[^>]*>\s*{re.escape(field)}: ', html)
    assert 'class="audit-action"' not in html
    assert "Correct the filter to see the changes." in html


@pytest.mark.parametrize("query, language, message", [
    ("cohort=junk", "nb", "Kull: velg en fra listen."),
    ("cohort=junk", "nn", "Kull: vel ein frå lista."),
    ("kind=junk", "nb", "Type: velg en fra listen."),
    ("kind=junk", "nn", "Type: vel ein frå lista."),
    ("kind=junk", "en", "Type: choose one from the list."),
])
def test_a_filter_refused_in_the_readers_language(coordinator, history, query, language, message):
    history["add_cohorts"](1)
    response = coordinator.get(f"/audit/?{query}", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    # In the error summary (linking to the field) and beside the field.
    field = query.split("=")[0]
    assert f'<a class="ds-link" href="#{field}">{message}</a>' in html
    assert re.search(rf'class="ds-validation-message"[^>]*>\s*{re.escape(message)}', html)
