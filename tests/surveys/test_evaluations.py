"""The evaluation after each joint gathering (tracker/surveys/evaluations.py): who is asked, the
invitations in the outbox, the daily run, the refusals, the results under the survey's
anonymity rule, and the pages."""
import copy
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import csrf_token, login_as, oslo
from tests.outbox import queued, text_of
from tracker.domain import DomainError
from tracker.extensions import db as _db
from tracker.outbox.models import MailKind, OutboxMessage
from tracker.programmes.models import ModuleKind
from tracker.schedule.models import Attendance, AttendanceStatus, SessionGuest, SessionStatus
from tracker.seed.evaluation import EVALUATION
from tracker.surveys import evaluations
from tracker.surveys.models import Response, RoundKind, SurveyRound
from tracker.surveys.results import evaluation_table, gathering_evaluation
from tracker.surveys.rounds import link_token

# The gathering ends on Tuesday 4 October 2016 at 15:00; the clock is pinned the day after.
THE_DAY_AFTER = date(2016, 10, 5)
ITEMS = ["EVAL-NYTTE-a", "EVAL-INNHOLD-a", "EVAL-ANDRE-a", "EVAL-ORGANISERT-a"]


@pytest.fixture
def evaluation_form(db, make_instrument):
    """evaluation_form(programme): the demo's evaluation form, chosen as the programme's."""
    def make(programme):
        instrument = make_instrument(programme, copy.deepcopy(EVALUATION))
        evaluations.choose_evaluation_form(programme.id, instrument.id)
        return instrument
    return make


@pytest.fixture
def world(db, make_cohort, make_group, make_member, make_module, make_session, evaluation_form,
          frozen_clock):
    """A cohort of two groups (three and two members), its first joint gathering (3–4 October
    2016), the programme's evaluation form, and the clock on the day after."""
    frozen_clock(THE_DAY_AFTER)
    cohort = make_cohort()
    groups = [make_group(cohort), make_group(cohort)]
    people = [make_member(groups[0]).person for _ in range(3)] + [
        make_member(groups[1]).person for _ in range(2)]
    module = make_module(cohort.programme, kind=ModuleKind.JOINT_GATHERING,
                         name_nb="Første samling", name_en="First gathering")
    session = make_session(cohort, module, starts_at=oslo(2016, 10, 3),
                           ends_at=oslo(2016, 10, 4, 15))
    form = evaluation_form(cohort.programme)
    return SimpleNamespace(cohort=cohort, groups=groups, people=people, module=module,
                           session=session, form=form)


def opened(world, **kwargs):
    return evaluations.open_evaluation(world.session, opened_by=None, **kwargs)


# Opening: who is asked, and their invitations


def test_the_people_at_the_gathering_are_asked_and_each_gets_a_personal_link(db, world):
    survey_round = opened(world)
    assert survey_round.kind is RoundKind.EVALUATION
    assert survey_round.session_id == world.session.id and survey_round.enrolment_id is None
    assert survey_round.closes_on == THE_DAY_AFTER + timedelta(days=7)
    assert survey_round.version_id == world.form.latest.id
    assert {r.person_id for r in survey_round.respondents} == {p.id for p in world.people}
    mails = queued(kind=MailKind.EVALUATION)
    assert sorted(m["To"].addresses[0].addr_spec for m in mails) == sorted(
        p.email for p in world.people)
    first = survey_round.respondents[0]
    [mail] = queued(kind=MailKind.EVALUATION, to=first.person.email)
    assert "Første samling" in mail["Subject"]
    assert f"/answer/{link_token(first)}" in text_of(mail)
    # Marked invited, so no other mail run sends the group survey's invitation for it.
    assert all(r.invited_at is not None for r in survey_round.respondents)


def test_those_recorded_absent_or_excused_are_not_asked_but_a_stand_in_is(
        db, world, make_person):
    absent, excused = world.people[0], world.people[1]
    _db.session.add_all([
        Attendance(person=absent, session=world.session, status=AttendanceStatus.ABSENT),
        Attendance(person=excused, session=world.session, status=AttendanceStatus.EXCUSED),
        Attendance(person=world.people[2], session=world.session, status=AttendanceStatus.PRESENT),
    ])
    stand_in = make_person(name="Stedfortreder")
    _db.session.add(SessionGuest(session=world.session, person=stand_in))
    _db.session.flush()
    asked = {p.id for p in evaluations.people_to_ask(world.session)}
    assert asked == {world.people[2].id, world.people[3].id, world.people[4].id, stand_in.id}


def test_the_invitation_key_keeps_one_mail_per_respondent(db, world):
    survey_round = opened(world)
    keys = set(_db.session.scalars(select(OutboxMessage.key)))
    assert {f"evaluation:{r.id}" for r in survey_round.respondents} <= keys


# Bad input: each refused, naming the field, and nothing opened


def _refused(action, field):
    before = _db.session.scalar(select(func.count(SurveyRound.id)))
    with pytest.raises(DomainError) as refused:
        action()
    assert refused.value.field == field
    after = _db.session.scalar(select(func.count(SurveyRound.id)))
    assert after == before
    assert queued(kind=MailKind.EVALUATION) == [] or field == "session"
    with force_locale("en"):
        return str(refused.value.message)


def test_a_group_session_is_not_evaluated(db, world, make_session, make_module):
    group_session = make_session(world.cohort, make_module(world.cohort.programme),
                                 world.groups[0], starts_at=oslo(2016, 9, 20))
    assert "joint gathering" in _refused(
        lambda: evaluations.open_evaluation(group_session, opened_by=None), "session")


def test_a_joint_session_of_another_kind_is_not_evaluated(db, world, make_session, make_module):
    kick_off = make_session(world.cohort, make_module(
        world.cohort.programme, kind=ModuleKind.ASSESSMENT, is_joint=True),
        starts_at=oslo(2016, 9, 5))
    _refused(lambda: evaluations.open_evaluation(kick_off, opened_by=None), "session")


def test_a_gathering_not_over_is_not_evaluated(db, world, frozen_clock):
    frozen_clock(date(2016, 10, 4))  # noon on its last day
    assert "not ended" in _refused(lambda: opened(world), "session")


def test_a_cancelled_gathering_is_not_evaluated(db, world):
    world.session.status = SessionStatus.CANCELLED
    world.session.cancellation_reason = "Avlyst."
    assert "cancelled" in _refused(lambda: opened(world), "session")


def test_a_gathering_is_evaluated_once(db, world):
    opened(world)
    assert "already sent" in _refused(lambda: opened(world), "session")
    assert len(queued(kind=MailKind.EVALUATION)) == len(world.people)


@pytest.mark.parametrize("minimum", [2, 0, -1, 1001])
def test_a_minimum_below_three_or_absurd_is_refused(db, world, minimum):
    _refused(lambda: opened(world, minimum_respondents=minimum), "minimum_respondents")


def test_a_minimum_above_those_asked_is_refused(db, world):
    assert "5 can be asked" in _refused(lambda: opened(world, minimum_respondents=6),
                                        "minimum_respondents")


def test_without_an_evaluation_form_nothing_is_sent(db, world):
    evaluations.choose_evaluation_form(world.cohort.programme_id, None)
    _refused(lambda: opened(world), "version")


def test_the_database_refuses_a_round_of_both_a_group_and_a_gathering(db, world):
    survey_round = SurveyRound(session=world.session, enrolment=world.groups[0],
                               kind=RoundKind.EVALUATION, instrument_version=world.form.latest,
                               closes_on=THE_DAY_AFTER)
    _db.session.add(survey_round)
    with pytest.raises(IntegrityError):
        with _db.session.begin_nested():
            _db.session.flush()


def test_the_database_refuses_a_group_round_of_the_evaluation_kind(db, world):
    survey_round = SurveyRound(enrolment=world.groups[0], kind=RoundKind.EVALUATION,
                               instrument_version=world.form.latest, closes_on=THE_DAY_AFTER)
    _db.session.add(survey_round)
    with pytest.raises(IntegrityError):
        with _db.session.begin_nested():
            _db.session.flush()


@pytest.mark.parametrize("value", ["0", "sju", "121"])
def test_evaluation_days_must_be_sensible(app, db, world, value):
    app.config["EVALUATION_DAYS"] = value
    try:
        with pytest.raises(ValueError):
            evaluations.evaluation_days()
    finally:
        app.config["EVALUATION_DAYS"] = "7"


# The daily run


def test_the_daily_run_opens_gatherings_that_ended_and_names_those_it_skips(
        db, world, make_session, make_module, make_cohort, make_group, make_member):
    # Another cohort's gathering, ended the same day, with only two people: refused, named.
    small = make_cohort(programme=world.cohort.programme)
    group = make_group(small)
    make_member(group), make_member(group)
    too_small = make_session(small, world.module, starts_at=oslo(2016, 10, 4))
    # Not due: one still to come, one long ago, a group's session.
    make_session(world.cohort, make_module(world.cohort.programme,
                                           kind=ModuleKind.JOINT_GATHERING),
                 starts_at=oslo(2016, 11, 7))
    make_session(world.cohort, make_module(world.cohort.programme,
                                           kind=ModuleKind.JOINT_GATHERING),
                 starts_at=oslo(2016, 9, 12))
    make_session(world.cohort, make_module(world.cohort.programme), world.groups[0],
                 starts_at=oslo(2016, 10, 4))

    run = evaluations.open_due_evaluations(THE_DAY_AFTER)
    assert [r.session_id for r in run.opened] == [world.session.id]
    assert [(s.id, "at least 3" in why) for s, why in run.skipped] == [(too_small.id, True)]
    assert len(queued(kind=MailKind.EVALUATION)) == len(world.people)

    again = evaluations.open_due_evaluations(THE_DAY_AFTER + timedelta(days=1))
    assert again.opened == []
    assert {s.id for s, _ in again.skipped} == {world.session.id, too_small.id}
    assert any("already" in line and "Første samling" in line for line in again.lines())
    assert len(queued(kind=MailKind.EVALUATION)) == len(world.people)


def test_flask_reminders_send_opens_the_evaluation_and_mail_send_delivers_it(app, db, world, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path / "mail"))
    runner = app.test_cli_runner()

    queued_run = runner.invoke(args=["reminders", "send"])

    assert queued_run.exit_code == 0, queued_run.output
    assert "evaluation opened: " in queued_run.output
    assert len(queued(kind=MailKind.EVALUATION)) == len(world.people)
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert len(list((tmp_path / "mail").glob("*.eml"))) == len(world.people)
    assert "evaluation skipped" in runner.invoke(args=["reminders", "send"]).output


def test_the_daily_run_leaves_a_gathering_ended_over_a_week_ago(db, world):
    run = evaluations.open_due_evaluations(THE_DAY_AFTER + timedelta(days=9))
    assert run.opened == [] and run.skipped == []


def test_the_daily_run_leaves_programmes_without_an_evaluation_form(db, world):
    evaluations.choose_evaluation_form(world.cohort.programme_id, None)
    run = evaluations.open_due_evaluations(THE_DAY_AFTER)
    assert run.opened == [] and run.skipped == []


# Results: the survey's rule, through results.py


def _answer(put_answers, survey_round, how_many, open_text=None):
    for n, respondent in enumerate(survey_round.respondents[:how_many]):
        put_answers(respondent, {code: 1 + (n + i) % 5 for i, code in enumerate(ITEMS)},
                    {"EVAL-OPEN": f"{open_text} {n}"} if open_text else None)


def test_nothing_is_shown_while_the_evaluation_takes_answers(db, world, put_answers):
    survey_round = opened(world)
    _answer(put_answers, survey_round, 5, "Mer tid")
    found = gathering_evaluation(survey_round, THE_DAY_AFTER)
    assert not found.result.shown and found.result.why_not == "open"
    assert found.table.rows == [] and found.open_answers == []


def test_below_the_minimum_nothing_is_shown_after_closing(db, world, put_answers):
    survey_round = opened(world)
    _answer(put_answers, survey_round, 2, "Mer tid")
    found = gathering_evaluation(survey_round, survey_round.closes_on + timedelta(days=1))
    assert found.result.why_not == "too_few"
    assert found.table.rows == [] and found.open_answers == []


def test_with_the_minimum_means_are_shown_without_a_spread(db, world, put_answers):
    survey_round = opened(world)
    _answer(put_answers, survey_round, 3)
    found = gathering_evaluation(survey_round, survey_round.closes_on + timedelta(days=1))
    assert found.result.shown
    useful = found.table.rows[0]
    assert useful.factor.code == "EVAL-NYTTE"
    assert str(useful.cells[0].mean) == "2.00"  # 1, 2, 3
    assert all(row.cells[0].spread is None for row in found.table.rows)


def test_from_five_answers_the_spread_and_the_open_answers_in_some_order(
        db, world, put_answers):
    survey_round = opened(world)
    _answer(put_answers, survey_round, 5, "Mer tid")
    found = gathering_evaluation(survey_round, survey_round.closes_on + timedelta(days=1))
    assert all(row.cells[0].spread is not None for row in found.table.rows)
    [answers] = found.open_answers
    assert sorted(answers.texts) == [f"Mer tid {n}" for n in range(5)]


def test_gatherings_side_by_side(db, world, put_answers, make_session):
    first = opened(world)
    _answer(put_answers, first, 3)
    second_session = make_session(world.cohort, world.module, starts_at=oslo(2016, 10, 10))
    table = evaluation_table([first, None], THE_DAY_AFTER + timedelta(days=30))
    assert table.shown and table.columns[1] is None
    assert [row.cells[1] for row in table.rows] == [None] * 4
    assert second_session.id  # a gathering without an evaluation is a column of dashes


# Pages


def signed_in(client, user):
    """The client signed in as `user`, reading the pages in English."""
    login_as(client, user)
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


@pytest.fixture
def coordinator(client, make_user):
    return signed_in(client, make_user("coordinator"))


def test_the_gathering_page_offers_to_send_it_now_and_sends_it(db, world, coordinator):
    url = f"/surveys/gatherings/{world.session.id}/evaluation"
    page = coordinator.get(url)
    assert page.status_code == 200
    assert "Send the evaluation now" in page.get_data(as_text=True)
    answer = coordinator.post(url, data={"csrf_token": csrf_token(coordinator),
                                         "minimum_respondents": "3"})
    assert answer.status_code == 302
    assert len(queued(kind=MailKind.EVALUATION)) == len(world.people)
    page = coordinator.get(url).get_data(as_text=True)
    assert "Send the evaluation now" not in page
    assert "0 of 5" in page


def test_a_minimum_below_three_is_refused_on_the_page(db, world, coordinator):
    url = f"/surveys/gatherings/{world.session.id}/evaluation"
    answer = coordinator.post(url, data={"csrf_token": csrf_token(coordinator),
                                         "minimum_respondents": "2"})
    assert answer.status_code == 400
    assert "At least 3 must answer" in answer.get_data(as_text=True)
    assert queued(kind=MailKind.EVALUATION) == []
    assert evaluations.evaluation_of(world.session) is None


def test_a_session_that_is_not_a_gathering_has_no_evaluation_page(
        db, world, coordinator, make_session, make_module):
    group_session = make_session(world.cohort, make_module(world.cohort.programme),
                                 world.groups[0], starts_at=oslo(2016, 9, 20))
    assert coordinator.get(f"/surveys/gatherings/{group_session.id}/evaluation").status_code == 404


def test_the_results_show_on_the_gathering_cohort_and_programme_pages(
        db, world, client, make_user, put_answers, frozen_clock):
    survey_round = opened(world)
    _answer(put_answers, survey_round, 5, "Mer pauser")
    _db.session.commit()
    frozen_clock(survey_round.closes_on + timedelta(days=1))
    coordinator = signed_in(client, make_user("coordinator"))
    page = coordinator.get(f"/surveys/gatherings/{world.session.id}/evaluation").get_data(
        as_text=True)
    assert "Useful for our group" in page and "Mer pauser 3" in page
    cohort_page = coordinator.get(f"/surveys/cohorts/{world.cohort.id}/evaluations")
    assert cohort_page.status_code == 200
    assert "Well organised" in cohort_page.get_data(as_text=True)
    programme_page = coordinator.get(
        f"/surveys/programmes/{world.cohort.programme_id}/evaluations")
    assert programme_page.status_code == 200
    assert world.cohort.label in programme_page.get_data(as_text=True)


def test_participants_do_not_see_a_gathering_evaluation(db, world, client, make_user):
    login_as(client, make_user("agency", organisation=world.groups[0].organisation))
    assert client.get(f"/surveys/gatherings/{world.session.id}/evaluation").status_code == 403
    assert client.get(f"/surveys/cohorts/{world.cohort.id}/evaluations").status_code == 403


def test_the_evaluation_form_is_chosen_on_the_programme_page(
        db, world, coordinator, make_instrument):
    other = make_instrument(world.cohort.programme)
    _db.session.commit()
    url = f"/surveys/programmes/{world.cohort.programme_id}/evaluations"
    answer = coordinator.post(url, data={"csrf_token": csrf_token(coordinator),
                                         "instrument": str(other.id)})
    assert answer.status_code == 302
    assert evaluations.evaluation_instrument(world.cohort.programme_id).id == other.id
    refused = coordinator.post(url, data={"csrf_token": csrf_token(coordinator),
                                          "instrument": "999999"})
    assert refused.status_code == 400
    assert evaluations.evaluation_instrument(world.cohort.programme_id).id == other.id


def test_the_personal_link_opens_the_evaluation_and_takes_the_answers(db, world, client):
    survey_round = opened(world)
    respondent = survey_round.respondents[0]
    _db.session.commit()
    url = f"/answer/{link_token(respondent)}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Evaluation of First gathering" in page.get_data(as_text=True) or \
        "Første samling" in page.get_data(as_text=True)
    version = survey_round.instrument_version
    data = {f"item_{item.id}": "4" for item in version.items}
    data.update({f"open_{version.open_questions[0].id}": "Bra", "action": "submit"})
    answer = client.post(url, data=data)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    assert _db.session.scalar(select(Response.id).where(Response.round_id == survey_round.id))


def test_a_group_rounds_page_does_not_open_an_evaluation(db, world, coordinator):
    survey_round = opened(world)
    _db.session.commit()
    assert coordinator.get(f"/surveys/rounds/{survey_round.id}").status_code == 404


def test_a_persons_data_export_names_the_evaluation(db, world):
    from tracker.privacy.services import personal_data

    survey_round = opened(world)
    [entry] = personal_data(survey_round.respondents[0].person)["survey_rounds"]
    assert entry["cohort"] == world.cohort.label
    assert entry["session_id"] == world.session.id and entry["organisation"] is None


def test_the_cohorts_change_log_tells_of_the_evaluation(db, world, coordinator):
    coordinator.post(f"/surveys/gatherings/{world.session.id}/evaluation",
                     data={"csrf_token": csrf_token(coordinator), "minimum_respondents": "3"})
    page = coordinator.get(f"/audit/cohorts/{world.cohort.id}")
    assert page.status_code == 200
    assert "Evaluation survey round" in page.get_data(as_text=True)


def test_a_group_round_is_never_of_the_evaluation_kind(db, world, make_round):
    from tracker.surveys.rounds import open_round

    with pytest.raises(DomainError) as refused:
        open_round(world.groups[0], RoundKind.EVALUATION, world.form.latest,
                   closes_on=THE_DAY_AFTER + timedelta(days=7), people=world.people[:3],
                   opened_by=None, today=THE_DAY_AFTER)
    assert refused.value.field == "kind"


def test_the_group_round_form_offers_neither_the_evaluation_kind_nor_its_form(
        db, world, coordinator):
    page = coordinator.get(f"/surveys/groups/{world.groups[0].id}/rounds/new").get_data(
        as_text=True)
    assert 'value="EVALUATION"' not in page
    assert "Example: Evaluation of the gathering" not in page
    answer = coordinator.post(f"/surveys/groups/{world.groups[0].id}/rounds/new", data={
        "csrf_token": csrf_token(coordinator), "kind": "EVALUATION",
        "version": str(world.form.latest.id), "closes_on": "2016-10-20",
        "minimum_respondents": "3"})
    assert answer.status_code == 400
    assert _db.session.scalar(select(func.count(SurveyRound.id))) == 0


def test_the_cohort_and_programme_pages_link_to_the_evaluations(db, world, coordinator):
    cohort_page = coordinator.get(f"/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert f"/surveys/cohorts/{world.cohort.id}/evaluations" in cohort_page
    programme_page = coordinator.get(f"/programmes/{world.cohort.programme_id}").get_data(
        as_text=True)
    assert f"/surveys/programmes/{world.cohort.programme_id}/evaluations" in programme_page


def test_an_address_that_cannot_be_written_stops_no_one_elses_invitation(db, world):
    broken = world.people[0]
    broken.email = "kari@example.org\nBcc: alle@example.org"  # stored before the checks
    _db.session.flush()
    survey_round = opened(world)
    mails = queued(kind=MailKind.EVALUATION)
    assert len(mails) == len(world.people) - 1
    assert all("Bcc" not in str(m["To"]) for m in mails)
    [respondent] = [r for r in survey_round.respondents if r.person_id == broken.id]
    assert respondent.invited_at is None


def test_my_group_lists_the_evaluation_a_participant_is_asked_to_answer(db, world, client, make_user):
    survey_round = opened(world)
    respondent = survey_round.respondents[0]
    user = make_user("participant", email="deltaker.eval@example.org")
    user.person = respondent.person
    _db.session.commit()
    login_as(client, user)

    page = client.get("/groups/mine")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Første samling" in html and f"/answer/{link_token(respondent)}" in html
