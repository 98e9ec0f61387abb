"""The survey's invitations and reminders, queued by the daily run (`flask reminders send`) or
with the coordinator's change, and sent by the mail run (`flask mail send`) to a real SMTP
server on loopback: each goes once, reminders only to those who have not answered, and a mail
the server did not take is tried again."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.outbox import queued
from tracker.outbox.models import MailKind, OutboxMessage

from tests.reminders.conftest import free_port, mail_folder, run, smtp  # noqa: F401
from tracker import clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.privacy.services import erase_person
from tracker.surveys import round_services
from tracker.surveys.rounds import link_token


def body(received) -> str:
    return received.message.get_body(("plain",)).get_content()


def test_each_respondent_is_invited_once_with_their_own_link(db, make_round, smtp, run):  # noqa: F811
    survey_round = make_round()
    links = {r.person.email: link_token(r) for r in survey_round.respondents}

    first = run()
    assert first.exit_code == 0, first.output
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(links)
    for email, token in links.items():
        [mail] = smtp.to(email)
        text = body(mail)
        assert f"https://tracker.example.org/answer/{token}" in text
        assert "20–30" in text
        assert survey_round.enrolment.organisation.name_nb in text
        # In bokmål, the recipient's language (reminders.services.recipient_language).
        assert "anonyme" in text
        # Baseline or final, by the subject; the last day; who reads open answers, word for word.
        assert mail.message["Subject"].startswith("Førkartlegging: spørreundersøkelse for "
                                                  "ledergruppen i ")
        assert "Siste svardag:" in text
        assert "Åpne svar vises ordrett, uten navnet ditt" in text and "minst 3" in text
    assert all(r.invited_at is not None for r in survey_round.respondents)

    again = run()
    assert again.exit_code == 0, again.output
    assert len(smtp.messages) == 3


def test_reminders_go_only_to_those_who_have_not_answered(db, make_round, put_answers, smtp,  # noqa: F811
                                                          run):
    survey_round = make_round(closes_in_days=2)
    answered, *waiting = survey_round.respondents
    for respondent in survey_round.respondents:
        respondent.invited_at = clock.now() - timedelta(days=5)
    put_answers(answered, {"PRE1a": 4})

    result = run()
    assert result.exit_code == 0, result.output
    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(
        r.person.email for r in waiting)
    assert all(link_token(r) in body(smtp.to(r.person.email)[0]) for r in waiting)
    assert answered.reminded_at is None
    # The threshold of 3 days is done; the next, 1 day before, is not reached yet.
    run()
    assert len(smtp.messages) == 2


def test_no_reminder_before_the_first_threshold(db, make_round, smtp, run):  # noqa: F811
    survey_round = make_round(closes_in_days=10)
    for respondent in survey_round.respondents:
        respondent.invited_at = clock.now() - timedelta(days=1)
    run()
    assert smtp.messages == []


def test_a_reminder_asked_for_is_queued_at_once_and_goes_once(db, make_round, put_answers, smtp,  # noqa: F811
                                                               run):
    survey_round = make_round(closes_in_days=20)
    for respondent in survey_round.respondents:
        respondent.invited_at = clock.now() - timedelta(days=1)
    put_answers(survey_round.respondents[0], {"PRE1a": 4})
    assert round_services.ask_reminders(survey_round, clock.today(), clock.now()) == 2
    assert len(queued(MailKind.SURVEY_REMINDER)) == 2
    # A second click within the hour queues nothing more.
    with pytest.raises(DomainError):
        round_services.ask_reminders(survey_round, clock.today(), clock.now())

    run()
    assert len(smtp.messages) == 2
    assert all("påminnelse" in m.message["Subject"].lower() for m in smtp.messages)
    run()
    assert len(smtp.messages) == 2


def test_opening_a_round_queues_every_invitation_with_it(db, make_group, make_member, make_instrument):
    from tracker.surveys.models import RoundKind

    group = make_group()
    for n in range(3):
        make_member(group, email=f"medlem{n}@example.org")
    version = make_instrument(group.cohort.programme).latest
    survey_round = round_services.open_group_round(
        group, RoundKind.BASELINE, version, closes_on=clock.today() + timedelta(days=14),
        minimum_respondents=3, opened_by=None, today=clock.today())

    invitations = queued(MailKind.SURVEY_INVITATION)
    assert sorted(m["To"].addresses[0].addr_spec for m in invitations) == [
        f"medlem{n}@example.org" for n in range(3)]
    assert all(r.invited_at is not None for r in survey_round.respondents)
    for respondent in survey_round.respondents:
        [mail] = queued(MailKind.SURVEY_INVITATION, to=respondent.person.email)
        assert link_token(respondent) in mail.get_body(("plain",)).get_content()


def test_invitations_queued_while_the_server_is_down_go_once_it_is_back(
        db, app, make_round, smtp, run, monkeypatch):  # noqa: F811
    survey_round = make_round()
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")

    down = run()
    assert down.exit_code == 1
    assert "Not sent" in down.output
    # Queued once: the next daily run does not queue them again.
    assert all(r.invited_at is not None for r in survey_round.respondents)
    assert len(queued(MailKind.SURVEY_INVITATION)) == 3

    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{smtp.port}")
    db.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))
    db.session.commit()
    up = run()
    assert up.exit_code == 0, up.output
    assert len(smtp.messages) == 3


def test_a_renewed_link_is_mailed_and_the_old_one_is_not(db, make_round, smtp, run):  # noqa: F811
    survey_round = make_round()
    run()
    respondent = survey_round.respondents[0]
    old = link_token(respondent)
    round_services.renew_respondent_link(survey_round, respondent.id, clock.today())
    new = link_token(respondent)
    run()
    mails = smtp.to(respondent.person.email)
    assert len(mails) == 2
    assert old in body(mails[0]) and new in body(mails[1]) and old not in body(mails[1])


def test_an_erased_person_gets_no_mail_and_their_link_dies(db, make_round, smtp, run):  # noqa: F811
    survey_round = make_round()
    erased = survey_round.respondents[0]
    email = erased.person.email
    erase_person(erased.person)
    db.session.flush()
    assert erased.token_hash is None
    run()
    assert smtp.to(email) == []
    assert len(smtp.messages) == 2


def test_a_closed_round_sends_nothing(db, make_round, smtp, run):  # noqa: F811
    survey_round = make_round()
    round_services.close_round(survey_round, clock.today())
    run()
    assert smtp.messages == []


def test_a_survey_reminder_days_setting_that_is_not_days_stops_the_run(db, app, make_round, run,  # noqa: F811
                                                                       monkeypatch):
    make_round()
    monkeypatch.setitem(app.config, "SURVEY_REMINDER_DAYS", "tre")
    result = run()
    assert result.exit_code == 1
    assert "SURVEY_REMINDER_DAYS" in result.output


def test_a_dry_run_sends_and_records_nothing(db, make_round, smtp, run):  # noqa: F811
    survey_round = make_round()
    result = run("--dry-run")
    assert "Would queue survey invitation" in result.output
    assert smtp.messages == []
    assert all(r.invited_at is None for r in survey_round.respondents)


@pytest.mark.parametrize("hostile", ["Ola\r\nBcc: evil@example.org", "<script>alert(1)</script>"])
def test_hostile_names_stay_in_their_place(db, make_round, make_group, make_organisation, smtp,  # noqa: F811
                                           run, hostile):
    group = make_group(organisation=make_organisation(name_nb=hostile.replace("\r\n", " ")))
    make_round(group)
    result = run()
    assert result.exit_code == 0, result.output
    assert len(smtp.messages) == 3
    for mail in smtp.messages:
        assert "evil@example.org" not in mail.recipients
        html = mail.message.get_body(("html",)).get_content()
        assert "<script>" not in html


def test_a_persons_export_lists_their_rounds_and_whether_they_answered_never_what(
        db, make_round, put_answers):
    from tracker.privacy.services import personal_data

    survey_round = make_round()
    respondent = survey_round.respondents[0]
    put_answers(respondent, {"PRE1a": 5}, {"O1": "Hemmelig svar"})
    [entry] = personal_data(respondent.person)["survey_rounds"]
    assert entry["has_answered"] is True
    assert entry["kind"] == "baseline" or entry["kind"] == "BASELINE"
    assert "Hemmelig svar" not in repr(personal_data(respondent.person))


def test_an_erased_person_still_counts_in_their_round(db, make_round, put_answers):
    from tracker.surveys.round_services import group_rounds

    survey_round = make_round()
    respondent = survey_round.respondents[0]
    put_answers(respondent, {"PRE1a": 5})
    erase_person(respondent.person)
    db.session.flush()
    [summary] = group_rounds(survey_round.enrolment)
    assert (summary.asked, summary.answered) == (3, 1)


def two_runs_with_a_slow_server(database_url):
    """Two `flask reminders send` processes at once against a server slow over each message;
    the messages it took."""
    from aiosmtpd.controller import Controller

    from tests.reminders.test_concurrent_runs import SlowCollector, two_runs_at_once

    collector = SlowCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        results = two_runs_at_once(database_url, port, clock.today().isoformat())
    finally:
        controller.stop()
    assert all(result.returncode == 0 for result in results), [r.stdout for r in results]
    return collector.messages


needs_postgres = pytest.mark.skipif(
    __import__("tests.conftest").conftest.postgres_server_url() is None,
    reason="needs PostgreSQL (two processes, one database): set TEST_DATABASE_URL=postgresql://…")


@pytest.mark.committed
@needs_postgres
def test_two_runs_at_once_send_each_invitation_once(db, make_round, database_url):
    from collections import Counter

    survey_round = make_round(members=4)
    emails = [r.person.email for r in survey_round.respondents]
    db.session.commit()
    messages = two_runs_with_a_slow_server(database_url)
    assert Counter(r for m in messages for r in m.recipients) == Counter(emails)
    db.session.expire_all()
    assert all(r.invited_at is not None for r in db.session.get(
        type(survey_round), survey_round.id).respondents)


@pytest.mark.committed
@needs_postgres
def test_two_runs_at_once_send_each_reminder_once(db, make_round, put_answers, database_url):
    from collections import Counter

    survey_round = make_round(members=4, closes_in_days=2)
    for respondent in survey_round.respondents:
        respondent.invited_at = clock.now() - timedelta(days=5)
    put_answers(survey_round.respondents[0], {"PRE1a": 4})
    waiting = [r.person.email for r in survey_round.respondents[1:]]
    db.session.commit()
    messages = two_runs_with_a_slow_server(database_url)
    assert Counter(r for m in messages for r in m.recipients) == Counter(waiting)


def test_a_final_says_so_in_its_subject(db, make_round, smtp, run):  # noqa: F811
    from tracker.surveys.models import RoundKind
    make_round(kind=RoundKind.FINAL)
    run()
    assert all(m.message["Subject"].startswith("Sluttkartlegging: ") for m in smtp.messages)
