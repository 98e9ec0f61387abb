"""Saved answers live only as long as they can be submitted: a round that closes, a person who
is erased and the daily mail run take them away."""
from datetime import timedelta

from sqlalchemy import func, select

from tracker import clock
from tracker.extensions import db
from tracker.privacy.services import erase_person
from tracker.surveys.models import Draft
from tracker.surveys.responses import save_draft
from tracker.surveys.round_services import close_round


def drafts() -> int:
    return db.session.scalar(select(func.count()).select_from(Draft))


def test_closing_a_round_deletes_its_drafts_and_no_others(make_round):
    closing, other = make_round(), make_round()
    save_draft(closing.respondents[0], {"PRE1a": "4"}, {})
    save_draft(other.respondents[0], {"PRE1a": "2"}, {"O1": "Mer tid"})
    close_round(closing, clock.today())
    assert drafts() == 1
    assert db.session.scalar(select(Draft.respondent_id)) == other.respondents[0].id


def test_erasing_a_person_deletes_their_draft(make_round):
    survey_round = make_round()
    kept, erased = survey_round.respondents[0], survey_round.respondents[1]
    save_draft(kept, {"PRE1a": "4"}, {})
    save_draft(erased, {"PRE1a": "1"}, {"O1": "Noe personlig"})
    erase_person(erased.person)
    assert db.session.scalar(select(Draft.respondent_id)) == kept.id and drafts() == 1


def test_the_mail_run_deletes_the_drafts_of_rounds_past_their_closing_day(app, make_round,
                                                                         monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path))
    past, running = make_round(), make_round()
    save_draft(past.respondents[0], {"PRE1a": "4"}, {})
    save_draft(running.respondents[0], {"PRE1a": "3"}, {})
    past.closes_on = clock.today() - timedelta(days=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert "Deleted 1 unsent survey answers" in result.output, result.output
    assert db.session.scalar(select(Draft.respondent_id)) == running.respondents[0].id


def test_a_mail_run_acting_as_a_later_day_keeps_the_drafts_of_rounds_open_today(
        app, make_round, monkeypatch, tmp_path):
    """`--today` ahead of the real day (to try the reminders due then) must not delete answers
    respondents can still send today."""
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(tmp_path))
    running = make_round(closes_in_days=2)
    save_draft(running.respondents[0], {"PRE1a": "3"}, {})
    db.session.commit()
    later = (clock.today() + timedelta(days=5)).isoformat()
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--today", later])
    assert result.exit_code == 0, result.output
    assert "unsent survey answers" not in result.output
    assert drafts() == 1
