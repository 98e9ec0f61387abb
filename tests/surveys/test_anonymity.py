"""Anonymity by design (issue 12, item 3): try to recover one person's answers through every
page, export and API, and fail.

Aase, Berit and Carl are asked in their group's baseline round and answer through their own
links, each with open answers that carry a marker of their own. Every GET address of the app is
then opened as every role (inside its scope; the API with each role's token), and files are
read as the people who download them would read them: below the minimum and while the round is
open, no marker is anywhere; once the round is closed at its minimum the markers show only as
the group's answers, never beside a name, in a new order each time; and nothing stored ties an
answer to a person.
"""
import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import inspect, select

from tests.conftest import csrf_token, login_as
from tests.test_access import ROLES, is_api, url_for_rule, world  # noqa: F401 (a fixture)
from tracker import clock
from tracker.audit.models import AuditEntry
from tracker.extensions import db
from tracker.people.models import MemberRole, Membership, Person
from tracker.surveys.instruments import create_instrument
from tracker.surveys.models import (
    Draft,
    ItemAnswer,
    OpenAnswer,
    Respondent,
    Response,
    RoundKind,
    SurveyRound,
)
from tracker.surveys.rounds import link_token, open_round

from tests.surveys.conftest import SMALL_INSTRUMENT

PEOPLE = {"aase": "Aase Ansvarlig", "berit": "Berit Budsjett", "carl": "Carl Controller"}
# Distinct answers per person: Aase agrees with everything, the others are lukewarm.
VALUES = {"aase": "5", "berit": "2", "carl": "3"}


def marker(key: str) -> str:
    return f"MARKER-{key.upper()}-Q"


@pytest.fixture
def asked(world, db):
    """The baseline round of world's group (Udir) asking Aase, Berit and Carl, open a week more."""
    group = world["enrolment_in"]
    # The walks' own baseline round of this group makes way for this one.
    for walked in db.session.scalars(select(SurveyRound).where(
            SurveyRound.enrolment_id == group.id, SurveyRound.kind == RoundKind.BASELINE)):
        db.session.delete(walked)
    db.session.flush()
    people = {}
    for key, name in PEOPLE.items():
        person = Person(name=name, email=f"{key}@udir.example.org", organisation=world["agency_in"])
        group.memberships.append(Membership(person=person, role=MemberRole.MEMBER,
                                            joined_on=date(2016, 9, 1)))
        people[key] = person
    db.session.flush()
    version = create_instrument(group.cohort.programme, SMALL_INSTRUMENT).latest
    survey_round = open_round(group, RoundKind.BASELINE, version,
                              closes_on=clock.today() + timedelta(days=7), minimum_respondents=3,
                              people=people.values(), opened_by=None, today=clock.today())
    db.session.commit()
    respondents = {key: next(r for r in survey_round.respondents if r.person_id == person.id)
                   for key, person in people.items()}
    return survey_round, respondents


def answer(client, respondent, key: str) -> None:
    """`key` answers every item with their value and both open questions with their marker,
    through the page their link opens, as they would."""
    version = respondent.round.instrument_version
    data = {"csrf_token": csrf_token(client), "action": "submit"}
    data |= {f"item_{item.id}": VALUES[key] for item in version.items}
    data |= {f"open_{q.id}": f"{marker(key)} {q.code}" for q in version.open_questions}
    sent = client.post(f"/answer/{link_token(respondent)}", data=data)
    assert sent.status_code == 303, sent.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Respondent, respondent.id).has_answered


def close(survey_round) -> None:
    db.session.get(SurveyRound, survey_round.id).closed_at = clock.now()
    db.session.commit()


def text_of(response) -> str:
    """What a reader of the answer sees: a page, a CSV or JSON as text, a workbook's cells."""
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return "\n".join(" ".join(str(v) for v in row if v is not None)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return response.get_data().decode("utf-8", "replace")


def every_answer(app, client, world, role: str):
    """(endpoint, address, what it says) for every GET address of the app `role` may open in
    its scope, pages and files as a browser opens them and the API with the role's token; each
    export also as XLSX."""
    if role != "anonymous":
        login_as(client, world["users"][role])
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.logout"):
            continue
        url = url_for_rule(app, rule, world, True, role)
        urls = [url, url.replace(".csv", ".xlsx")] if url.endswith(".csv") else [url]
        for address in urls:
            headers = ({"Authorization": f"Bearer {world['api_tokens'][role][1]}"}
                       if is_api(rule.endpoint) and role != "anonymous" else {})
            response = client.get(address, headers=headers)
            if response.status_code == 200:
                yield rule.endpoint, address, text_of(response)


def markers_shown(app, client, world, role: str) -> dict[str, list[str]]:
    """Address -> the markers it shows, for every address that shows one."""
    found = {}
    for _endpoint, address, text in every_answer(app, client, world, role):
        shown = [key for key in PEOPLE if marker(key) in text]
        if shown:
            found[address] = shown
    return found


@pytest.mark.parametrize("role", ROLES)
def test_while_the_round_is_open_no_answer_shows_anywhere_even_at_its_minimum(
        app, client, world, asked, role):
    survey_round, respondents = asked
    for key in PEOPLE:
        answer(client, respondents[key], key)
    assert markers_shown(app, client, world, role) == {}


@pytest.mark.parametrize("role", ROLES)
def test_below_the_minimum_no_answer_shows_anywhere_once_closed(app, client, world, asked, role):
    survey_round, respondents = asked
    answer(client, respondents["aase"], "aase")
    answer(client, respondents["berit"], "berit")
    close(survey_round)
    assert markers_shown(app, client, world, role) == {}


def test_at_the_minimum_the_answers_are_the_groups_never_a_persons(app, client, world, asked):
    survey_round, respondents = asked
    for key in PEOPLE:
        answer(client, respondents[key], key)
    close(survey_round)

    # Staff and the group's own leader read the open answers; a ministry viewer never does.
    shown_to = {role: markers_shown(app, client, world, role) for role in ROLES}
    assert shown_to["anonymous"] == {} and shown_to["ministry"] == {}
    assert shown_to["coordinator"] and shown_to["agency"]
    for role in ("admin", "coordinator", "agency"):
        for address, keys in shown_to[role].items():
            # Where one answer shows, all three do: none is set apart from the others.
            assert sorted(keys) == sorted(PEOPLE), (role, address)
    # No address that shows the answers names who gave them.
    login_as(client, world["users"]["coordinator"])
    for _endpoint, address, text in every_answer(app, client, world, "coordinator"):
        if marker("aase") in text:
            assert not any(name in text for name in PEOPLE.values()), address

    # The order is not the order they answered in: a new one each time the page is drawn.
    page = f"/surveys/groups/{world['enrolment_in'].id}/results"
    orders = set()
    for _ in range(20):
        text = client.get(page).get_data(as_text=True)
        orders.add(tuple(sorted(PEOPLE, key=lambda key: text.index(f"{marker(key)} O1"))))
    assert len(orders) > 1

    # Who answered shows beside names, with nothing of what they answered.
    round_page = client.get(f"/surveys/rounds/{survey_round.id}").get_data(as_text=True)
    assert all(name in round_page for name in PEOPLE.values())
    assert not any(marker(key) in round_page for key in PEOPLE)


def test_a_persons_own_link_and_data_export_hold_nothing_of_their_answers(
        app, client, world, asked):
    survey_round, respondents = asked
    aase = respondents["aase"]
    answer(client, aase, "aase")
    again = client.get(f"/answer/{link_token(aase)}").get_data(as_text=True)
    assert marker("aase") not in again
    login_as(client, world["users"]["admin"])
    export = client.get(f"/people/{aase.person_id}/export.json")
    assert export.status_code == 200 and marker("aase") not in text_of(export)


def test_nothing_stored_ties_an_answer_to_a_person(app, client, world, asked):
    survey_round, respondents = asked
    for key in PEOPLE:
        answer(client, respondents[key], key)
    # The answers' tables point at the round, the items and the questions only, and keep no time.
    for model in (Response, ItemAnswer, OpenAnswer):
        table = model.__table__
        assert {fk.column.table.name for fk in table.foreign_keys} <= {
            "survey_round", "survey_response", "survey_item", "survey_open_question"}
        assert not any("respondent" in c.name or "person" in c.name or "user" in c.name
                       or c.name.endswith("_at") or c.name.endswith("_on") for c in table.columns)
    # Drafts are gone once submitted: nothing on the way keeps a link either.
    assert db.session.scalars(select(Draft)).all() == []
    # A response's id is random, not the order of submission.
    ids = db.session.scalars(select(Response.id).where(Response.round_id == survey_round.id)).all()
    assert len(ids) == 3 and all(len(i) == 32 for i in ids)
    # The change log says who answered (as the round's page does), never what.
    logged = db.session.scalars(select(AuditEntry)).all()
    assert not any(entry.table_name in ("survey_response", "survey_item_answer",
                                        "survey_open_answer", "survey_draft") for entry in logged)
    assert not any(marker(key) in str(entry.changes) for entry in logged for key in PEOPLE)
    assert inspect(Respondent).columns.keys().count("response_id") == 0
