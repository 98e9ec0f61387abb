"""A respondent's answers through the service: drafts, submitting once, and every way a link
stops working."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.conftest import csrf_token, postgres_server_url

from tracker import clock
from tracker.extensions import db
from tracker.surveys.models import Draft, ItemAnswer, OpenAnswer, Response
from tracker.surveys.responses import (
    AlreadyAnswered,
    AnswersRefused,
    LinkNotWorking,
    RoundClosed,
    Unfinished,
    closing_day,
    draft_of,
    respondent_to_answer,
    save_draft,
    submit,
)
from tracker.surveys.rounds import link_token, renew_link

ALL = {"PRE1a": 4, "PRE1b": 2, "PRO1a": 5, "PRO1b": 3, "PRO2a": 1}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def respondent(make_round):
    return make_round().respondents[0]


def test_a_draft_keeps_any_subset_and_reads_back(respondent):
    save_draft(respondent, {"PRE1a": "4"}, {})
    assert draft_of(respondent).items == {"PRE1a": 4}
    save_draft(respondent, {"PRE1a": 5, "PRO2a": "2"}, {"O1": "Godt samarbeid\nog tillit"})
    draft = draft_of(respondent)
    assert draft.items == {"PRE1a": 5, "PRO2a": 2}
    assert draft.open == {"O1": "Godt samarbeid\nog tillit"}
    assert count(Draft) == 1


@pytest.mark.parametrize("value", [6, 0, "abc", str(2**63), 2**63, "-1", "3.0", True, "", None])
def test_an_answer_off_the_scale_is_refused_naming_the_item_and_keeps_the_draft(respondent, value):
    save_draft(respondent, {"PRE1a": 4}, {})
    if value in ("", None):
        # No value is no answer: the draft simply holds the others.
        save_draft(respondent, {"PRE1a": 4, "PRO1a": value}, {})
        assert draft_of(respondent).items == {"PRE1a": 4}
        return
    with pytest.raises(AnswersRefused) as refused:
        save_draft(respondent, {"PRE1a": 3, "PRO1a": value}, {})
    assert set(refused.value.problems) == {"PRO1a"}
    assert "Møtene våre er effektive." in refused.value.problems["PRO1a"]
    assert draft_of(respondent).items == {"PRE1a": 4}


def test_a_half_filled_submission_is_refused_listing_the_items_and_saves_what_was_given(respondent):
    with pytest.raises(Unfinished) as refused:
        submit(respondent, {"PRE1a": "4", "PRO1a": "2"}, {"O1": "Noe"})
    assert set(refused.value.problems) == {"PRE1b", "PRO1b", "PRO2a"}
    assert draft_of(respondent).items == {"PRE1a": 4, "PRO1a": 2}
    assert draft_of(respondent).open == {"O1": "Noe"}
    assert count(Response) == 0 and not respondent.has_answered


def test_submitting_makes_an_untraceable_response_deletes_the_draft_and_marks_the_respondent(
        respondent):
    save_draft(respondent, {"PRE1a": 1}, {})
    response = submit(respondent, ALL, {"O1": "Tillit", "O2": "  "})
    assert respondent.has_answered
    assert count(Draft) == 0
    assert {a.value for a in db.session.scalars(select(ItemAnswer))} == set(ALL.values())
    assert [a.text for a in db.session.scalars(select(OpenAnswer))] == ["Tillit"]
    assert response.round_id == respondent.round_id
    # Nothing in the response says whose or when.
    assert {c.name for c in Response.__table__.columns} == {"id", "round_id"}


def test_a_second_submit_is_told_the_respondent_has_answered(respondent):
    submit(respondent, ALL, {})
    with pytest.raises(AlreadyAnswered):
        submit(respondent, ALL, {})
    assert count(Response) == 1


def test_the_conditional_update_stops_a_submit_that_read_the_respondent_before_the_other(
        respondent):
    """Two tabs: both loaded the respondent as not having answered; the first commits."""
    submit(respondent, ALL, {})
    # The second tab's copy still believes it has not answered.
    respondent.has_answered = False
    db.session.flush()
    db.session.expire(respondent)
    from sqlalchemy import update

    from tracker.surveys.models import Respondent
    db.session.execute(update(Respondent).where(Respondent.id == respondent.id)
                       .values(has_answered=True))
    with pytest.raises(AlreadyAnswered):
        submit(respondent, ALL, {})
    assert count(Response) == 1


@pytest.mark.parametrize("text, ok", [
    ("Linje en\nlinje to\r\nlinje tre", True),
    ("a\x00b", False), ("\x1b[31mrød", False), ("tab\there", False), ("cr\ronly", False),
    ("\u202eomvendt", False), ("<script>alert(1)</script>", True), ("🙂 ÆØÅ", True),
    ("x" * 4000, True), ("x" * 4001, False),
])
def test_open_answers_take_line_breaks_but_no_control_characters(respondent, text, ok):
    if ok:
        submit(respondent, ALL, {"O1": text})
        stored = db.session.scalar(select(OpenAnswer.text))
        assert stored == text.replace("\r\n", "\n").strip()
    else:
        with pytest.raises(AnswersRefused) as refused:
            submit(respondent, ALL, {"O1": text})
        assert set(refused.value.problems) == {"O1"}
        assert "Hva fungerer best?" in refused.value.problems["O1"]
        assert count(Response) == 0


def test_the_link_finds_its_respondent_while_the_round_is_open(respondent):
    token = link_token(respondent)
    assert respondent_to_answer(token, clock.today()) is respondent


@pytest.mark.parametrize("token", ["", "x" * 43, "x" * 101, "\x00", "é" * 43])
def test_a_link_that_never_was_does_not_work(respondent, token):
    with pytest.raises(LinkNotWorking):
        respondent_to_answer(token, clock.today())


def test_an_altered_or_renewed_link_does_not_work(respondent):
    old = link_token(respondent)
    altered = old[:-1] + ("A" if old[-1] != "A" else "B")
    with pytest.raises(LinkNotWorking):
        respondent_to_answer(altered, clock.today())
    new = renew_link(respondent)
    db.session.flush()
    with pytest.raises(LinkNotWorking):
        respondent_to_answer(old, clock.today())
    assert respondent_to_answer(new, clock.today()) is respondent


def test_an_erased_persons_link_does_not_work(respondent):
    token = link_token(respondent)
    respondent.person.erased_at = clock.now()
    db.session.flush()
    with pytest.raises(LinkNotWorking):
        respondent_to_answer(token, clock.today())


def test_a_closed_round_takes_no_answers(respondent):
    token = link_token(respondent)
    with pytest.raises(RoundClosed) as closed:
        respondent_to_answer(token, respondent.round.closes_on + timedelta(days=1))
    assert closing_day(closed.value.round) == respondent.round.closes_on
    respondent.round.closed_at = clock.now()
    db.session.flush()
    with pytest.raises(RoundClosed) as closed:
        respondent_to_answer(token, clock.today())
    assert closing_day(closed.value.round) == clock.today()


def test_a_respondent_who_answered_is_thanked_even_after_the_round_closed(respondent):
    token = link_token(respondent)
    submit(respondent, ALL, {})
    with pytest.raises(AlreadyAnswered):
        respondent_to_answer(token, respondent.round.closes_on + timedelta(days=30))


@pytest.mark.committed  # the requests run on connections of their own
@pytest.mark.skipif(
    postgres_server_url() is None,
    reason="needs PostgreSQL (real row locks): set TEST_DATABASE_URL=postgresql://…")
def test_two_submits_at_once_make_one_response_and_one_already_answered(
        app, db, client, make_round, database_url):
    """Two tabs send the whole form at the same moment: both find the respondent not yet
    answered, then meet at the row the test holds locked; the first marks it, the second's
    conditional update changes no row and is told the respondent has answered."""
    respondent = make_round().respondents[0]
    token = link_token(respondent)
    version = respondent.round.instrument_version
    form = {f"item_{item.id}": str(ALL[item.code]) for item in version.items}
    db.session.commit()
    clients = []
    for tab in (client, app.test_client()):  # two browsers, each with its own session
        clients.append((tab, csrf_token(tab)))
    engine = create_engine(database_url)
    watching = create_engine(database_url, isolation_level="AUTOCOMMIT")
    statuses: list[int | None] = [None, None]
    barrier = threading.Barrier(2)

    def post(i):
        client, csrf = clients[i]
        barrier.wait()
        statuses[i] = client.post(f"/answer/{token}", data={
            **form, "action": "submit", "csrf_token": csrf}).status_code

    try:
        with engine.connect() as admin, watching.connect() as watcher:
            admin.execute(text("SELECT id FROM survey_respondent WHERE id = :id FOR UPDATE"),
                          {"id": respondent.id})
            threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for _ in range(200):
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar()
                if waiting >= 2:
                    break
                time.sleep(0.05)
            else:
                admin.commit()
                for thread in threads:
                    thread.join(timeout=30)
                raise AssertionError(f"the two submits never met at the lock: {statuses}")
            admin.commit()
            for thread in threads:
                thread.join(timeout=30)
    finally:
        engine.dispose()
        watching.dispose()
    assert sorted(statuses) == [303, 409]
    db.session.expire_all()
    assert count(Response) == 1
    assert count(ItemAnswer) == len(ALL)


def test_a_round_closed_after_the_page_was_loaded_takes_no_submit(respondent):
    """The respondent's page was drawn while the round was open; a coordinator closes it before
    the answers come: they are refused as closed and nothing is written, so the results shown
    at close never change by one answer."""
    loaded = respondent_to_answer(link_token(respondent), clock.today())
    db.session.execute(text("UPDATE survey_round SET closed_at = :now WHERE id = :id"),
                       {"now": clock.now(), "id": loaded.round_id})
    with pytest.raises(RoundClosed) as closed:
        submit(loaded, ALL, {})
    assert closing_day(closed.value.round) == clock.today()
    assert count(Response) == 0 and count(ItemAnswer) == 0
    db.session.refresh(loaded)
    assert not loaded.has_answered


def test_a_round_past_its_closing_day_takes_no_submit_from_a_page_loaded_the_day_before(
        respondent):
    loaded = respondent_to_answer(link_token(respondent), respondent.round.closes_on)
    with pytest.raises(RoundClosed):
        submit(loaded, ALL, {}, today=respondent.round.closes_on + timedelta(days=1))
    assert count(Response) == 0


def test_a_refused_open_answer_is_not_among_the_answers_kept(respondent):
    from tracker.surveys.responses import _checked

    kept, problems = _checked(respondent.round.instrument_version, {"PRE1a": 4},
                              {"O1": "bad\x07text"}, "nb")
    assert "O1" in problems
    assert kept.open == {} and kept.items == {"PRE1a": 4}


@pytest.mark.committed  # the request runs on a connection of its own
@pytest.mark.skipif(
    postgres_server_url() is None,
    reason="needs PostgreSQL (real row locks): set TEST_DATABASE_URL=postgresql://…")
def test_a_submit_meeting_a_close_in_flight_waits_for_it_and_is_refused(
        app, db, client, make_round, database_url):
    """A coordinator's close has written the round's row but not yet committed when the
    answers come: the submit waits for it, then finds the round closed. No response is left
    after closed_at, whichever comes first."""
    respondent = make_round().respondents[0]
    token = link_token(respondent)
    version = respondent.round.instrument_version
    form = {f"item_{item.id}": str(ALL[item.code]) for item in version.items}
    db.session.commit()
    csrf = csrf_token(client)
    engine = create_engine(database_url)
    watching = create_engine(database_url, isolation_level="AUTOCOMMIT")
    statuses: list[int | None] = [None]

    def post():
        statuses[0] = client.post(f"/answer/{token}", data={
            **form, "action": "submit", "csrf_token": csrf}).status_code

    try:
        with engine.connect() as admin, watching.connect() as watcher:
            # close_round's own UPDATE, in flight.
            admin.execute(text("UPDATE survey_round SET closed_at = now(), version = version + 1 "
                               "WHERE id = :id"), {"id": respondent.round_id})
            thread = threading.Thread(target=post)
            thread.start()
            for _ in range(200):
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar()
                if waiting >= 1:
                    break
                time.sleep(0.05)
            else:
                admin.commit()
                thread.join(timeout=30)
                raise AssertionError(f"the submit never waited for the close: {statuses}")
            admin.commit()
            thread.join(timeout=30)
    finally:
        engine.dispose()
        watching.dispose()
    assert statuses == [410]
    db.session.expire_all()
    assert count(Response) == 0 and count(ItemAnswer) == 0
    assert not db.session.get(type(respondent), respondent.id).has_answered
