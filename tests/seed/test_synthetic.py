"""The synthetic history (`seed synthetic`): a small one, built in bulk, that every main page
opens on; refusals of real data, of a second run and of a bad --scale, with nothing changed."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import login_as
from tracker.cohorts.models import Cohort
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation
from tracker.people.models import Membership, Person
from tracker.programmes.models import Programme
from tracker.roles import Role
from tracker.schedule.models import Attendance, Session, SessionStatus
from tracker.seed import synthetic
from tracker.seed.synthetic import table_counts
from tracker.seed.synthetic_data import EMAIL_DOMAIN, MARK
from tracker.surveys.models import Respondent, Response, SurveyRound
from tracker.users.models import User

# A tenth of scale 1: two programmes with two cohorts each, enough to open every page.
FRACTION = 0.1




@pytest.fixture
def history(db):
    return synthetic.build(1, seed=7, fraction=FRACTION)


def test_a_small_history_has_every_kind_of_record(db, history):
    for table in ("organisation", "programme", "course_module", "cohort", "enrolment",
                  "person", "membership", "session", "attendance", "assessment",
                  "assessment_score", "survey_round", "survey_respondent", "survey_response",
                  "survey_item_answer", "audit_entry", "user_account"):
        assert history.get(table, 0) > 0, table
    assert history == {name: count for name, count in table_counts().items() if count}
    assert history["programme"] == 2 and history["cohort"] == 4
    assert history["enrolment"] == 16
    # Everything is marked, and tells itself apart from real data.
    assert synthetic.holds_synthetic_data() and not synthetic.holds_real_data()
    assert all(name.endswith(MARK) for name in db.session.scalars(select(Organisation.name_nb)))
    assert all(name.endswith(MARK) for name in db.session.scalars(select(Programme.name_nb)))
    assert all(email.endswith("@" + EMAIL_DOMAIN) for email in db.session.scalars(select(Person.email)))


def test_the_main_pages_open_on_it(db, history, client):
    login_as(client, db.session.scalar(select(User).where(User.role == Role.COORDINATOR)))
    cohort = db.session.scalar(select(Cohort).order_by(Cohort.start_date).limit(1))
    group = db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == cohort.id).limit(1))
    person = db.session.scalar(select(Person).limit(1))
    programme = db.session.scalar(select(Programme).limit(1))
    for address in ("/", "/organisations/", "/people/", f"/cohorts/{cohort.id}",
                    f"/groups/{group.id}", f"/people/{person.id}",
                    f"/organisations/{group.organisation_id}",
                    f"/programmes/{programme.id}", "/reports/sector", "/audit/"):
        assert client.get(address).status_code == 200, address


def test_it_keeps_the_rules_and_a_second_run_changes_nothing(db, history):
    """Marks only for people of the group on the session's day, and only for held sessions;
    a round's answers as many as its respondents who answered, and never linked to them; a
    group takes one course at a time. Run again, it refuses and changes nothing."""
    wrong = db.session.scalar(
        select(func.count(Attendance.id))
        .join(Session, Session.id == Attendance.session_id)
        .join(Membership, Membership.person_id == Attendance.person_id)
        .join(Enrolment, Enrolment.id == Membership.enrolment_id)
        .where(Enrolment.cohort_id == Session.cohort_id,
               Membership.left_on.is_not(None),
               Membership.left_on < func.date(Session.starts_at)))
    assert wrong == 0
    assert db.session.scalar(
        select(func.count(Attendance.id)).join(Attendance.session)
        .where(Session.status != SessionStatus.HELD)) == 0
    for survey_round in db.session.scalars(select(SurveyRound)):
        answered = db.session.scalar(select(func.count(Respondent.id)).where(
            Respondent.round_id == survey_round.id, Respondent.has_answered))
        responses = db.session.scalar(select(func.count()).select_from(Response).where(
            Response.round_id == survey_round.id))
        assert answered == responses
    assert not hasattr(Response, "respondent_id") and not hasattr(Response, "person_id")
    for group in db.session.scalars(select(Enrolment)):
        cohort = group.cohort
        assert Enrolment.overlapping([group.organisation_id], cohort.start_date,
                                     cohort.planned_end, besides=cohort.id) is None

    counts = table_counts()
    with pytest.raises(synthetic.Refused, match="already holds a synthetic history"):
        synthetic.build(1, fraction=FRACTION)
    assert table_counts() == counts


def test_real_data_is_refused_unless_told(db, make_organisation):
    make_organisation(name_nb="Helsedirektoratet")
    db.session.commit()
    counts = table_counts()
    with pytest.raises(synthetic.Refused, match="not synthetic"):
        synthetic.build(1, fraction=FRACTION)
    assert table_counts() == counts

    added = synthetic.build(1, fraction=FRACTION, over_real_data=True)
    assert added["cohort"] == 4
    assert db.session.scalar(select(Organisation.id).where(
        Organisation.name_nb == "Helsedirektoratet")) is not None


def test_the_command_refuses_real_data(app, db, make_organisation):
    make_organisation(name_nb="Helsedirektoratet")
    db.session.commit()
    counts = table_counts()
    result = app.test_cli_runner().invoke(args=["seed", "synthetic", "--scale", "1"])
    assert result.exit_code != 0
    assert "not synthetic" in result.output and "--over-real-data" in result.output
    assert table_counts() == counts


@pytest.mark.parametrize("scale", ["0", "-1", "1.5", "x", str(10**9), ""])
def test_a_bad_scale_is_refused_by_name(app, db, scale):
    counts = table_counts()
    result = app.test_cli_runner().invoke(args=["seed", "synthetic", "--scale", scale])
    assert result.exit_code == 2
    assert "--scale" in result.output
    assert table_counts() == counts


@pytest.mark.parametrize("scale", [0, -1, 1.5, "1", True, synthetic.SCALE_MAX + 1])
def test_generate_refuses_a_bad_scale(db, scale):
    with pytest.raises(ValueError, match="--scale"):
        synthetic.generate(scale)
    assert table_counts()["organisation"] == 0


def test_the_same_seed_draws_the_same_history(db):
    """Two runs with one seed make the same rows (ids aside); another seed, others."""
    def drawn(seed):
        history = synthetic.History(1, seed, False, FRACTION, date(2026, 11, 28))
        rows = []
        history.out.add = lambda model, row: rows.append((model.__tablename__, sorted(
            (k, str(v)) for k, v in row.items() if k not in ("id", "change_id"))))
        history.make_organisations()
        return rows

    assert drawn(3) == drawn(3)
    assert drawn(3) != drawn(4)
