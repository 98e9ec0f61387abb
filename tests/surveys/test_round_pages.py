"""The survey rounds' pages: coordinators open rounds and see who has answered, never what;
agency and ministry readers never see who is asked; bad input is refused naming its field,
changes nothing and is never a 500."""
from datetime import timedelta

import pytest

from tests.outbox import queued
from tracker.outbox.models import MailKind
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tracker import clock
from tracker.extensions import db
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole
from tracker.surveys.models import Respondent, RoundKind, SurveyRound

HOSTILE = ["", " ", "\x00", "<script>alert(1)</script>", "%(x)s", str(2**31), str(-(2**31)),
           "9" * 400, "1e400", "NaN", "²", "0001-01-01", "9999-12-31", "2016-02-30",
           "{{ 7*7 }}", "Robert'); DROP TABLE survey_round;--", "\u202e", "line\nbreak"]


@pytest.fixture
def group(make_group, make_member):
    group = make_group()
    make_member(group, role=MemberRole.TOP_LEADER)
    for _ in range(3):
        make_member(group)
    db.session.commit()
    return group


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def stored():
    return (db.session.scalar(select(func.count(SurveyRound.id))),
            db.session.scalar(select(func.count(Respondent.id))),
            sorted(map(repr, db.session.execute(
                select(SurveyRound.closes_on, SurveyRound.minimum_respondents,
                       SurveyRound.closed_at)).all())),
            sorted(map(repr, db.session.execute(
                select(Respondent.token_hash, Respondent.invited_at, Respondent.reminded_at)).all())))


def test_a_coordinator_opens_a_round_from_the_group_page(staff, group, make_instrument):
    version = make_instrument(group.cohort.programme).latest
    db.session.commit()
    page = staff.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "Undersøkelsesrunder" in page
    form = staff.get(f"/surveys/groups/{group.id}/rounds/new")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert html.count('type="checkbox"') == 4 and html.count(" checked") == 4
    from tracker.surveys.round_services import default_respondents
    everyone = [str(p.id) for p in default_respondents(group, clock.today())]
    answer = post(staff, f"/surveys/groups/{group.id}/rounds/new", kind="BASELINE",
                  version=str(version.id), respondents=everyone,
                  closes_on=(clock.today() + timedelta(days=14)).isoformat(),
                  minimum_respondents="3")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = staff.get(answer.headers["Location"]).get_data(as_text=True)
    assert "0 av 4" in page
    # Invited with the opening: each invitation is queued, and the page says when.
    assert len(queued(MailKind.SURVEY_INVITATION)) == 4
    assert page.count(f"<td>{clock.now().astimezone(clock.OSLO):%d.%m.%Y}") >= 4


def test_the_new_round_form_defaults_to_what_the_group_lacks(staff, make_round, make_instrument):
    survey_round = make_round()
    group = survey_round.enrolment
    make_instrument(group.cohort.programme)  # a newer instrument: not the baseline's
    db.session.commit()
    html = staff.get(f"/surveys/groups/{group.id}/rounds/new").get_data(as_text=True)
    assert '<option selected value="FINAL">' in html or 'value="FINAL" selected' in html
    version_id = survey_round.version_id
    assert (f'<option selected value="{version_id}">' in html
            or f'value="{version_id}" selected' in html)
    from tracker.surveys.round_services import default_closing_day
    assert f'value="{default_closing_day(clock.today()).isoformat()}"' in html
    assert "Gruppens førkartlegging brukte" in html


def test_unticked_people_are_not_asked(staff, group, make_instrument):
    version = make_instrument(group.cohort.programme).latest
    db.session.commit()
    from tracker.surveys.round_services import default_respondents
    people = default_respondents(group, clock.today())
    answer = post(staff, f"/surveys/groups/{group.id}/rounds/new", kind="BASELINE",
                  version=str(version.id), respondents=[str(p.id) for p in people[:3]],
                  closes_on=(clock.today() + timedelta(days=14)).isoformat(),
                  minimum_respondents="3")
    assert answer.status_code == 302
    assert set(db.session.scalars(select(Respondent.person_id))) == {p.id for p in people[:3]}


@pytest.mark.parametrize("field, value, message", [
    ("minimum_respondents", "2", "Minst 3"),
    ("minimum_respondents", "0", "Minst 3"),
    ("minimum_respondents", str(2**31), "Minste antall svar"),
    ("closes_on", "2000-01-01", "Siste svardag"),
    ("closes_on", "", "Skriv inn siste svardag"),
])
def test_a_refused_opening_names_its_field_and_opens_nothing(staff, group, make_instrument,
                                                             field, value, message):
    version = make_instrument(group.cohort.programme).latest
    db.session.commit()
    from tracker.surveys.round_services import default_respondents
    everyone = [str(p.id) for p in default_respondents(group, clock.today())]
    data = {"kind": "BASELINE", "version": str(version.id), "minimum_respondents": "3",
            "respondents": everyone,
            "closes_on": (clock.today() + timedelta(days=14)).isoformat(), field: value}
    answer = post(staff, f"/surveys/groups/{group.id}/rounds/new", **data)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html
    assert f'href="#{field}"' in html
    assert db.session.scalar(select(func.count(SurveyRound.id))) == 0


def test_a_closing_day_too_far_and_too_few_asked_are_refused(staff, group, make_instrument):
    version = make_instrument(group.cohort.programme).latest
    db.session.commit()
    from tracker.surveys.round_services import default_respondents
    everyone = [str(p.id) for p in default_respondents(group, clock.today())]
    far = post(staff, f"/surveys/groups/{group.id}/rounds/new", kind="BASELINE",
               version=str(version.id), minimum_respondents="3", respondents=everyone,
               closes_on=(clock.today() + timedelta(days=200)).isoformat())
    assert far.status_code == 400 and "høyst 120 dager" in far.get_data(as_text=True)
    one = default_respondents(group, clock.today())[0]
    few = post(staff, f"/surveys/groups/{group.id}/rounds/new", kind="BASELINE",
               version=str(version.id), minimum_respondents="3", respondents=[str(one.id)],
               closes_on=(clock.today() + timedelta(days=14)).isoformat())
    assert few.status_code == 400 and "1 er spurt" in few.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SurveyRound.id))) == 0


def test_a_second_round_of_a_kind_is_refused(staff, make_round):
    survey_round = make_round()
    db.session.commit()
    version = survey_round.instrument_version
    answer = post(staff, f"/surveys/groups/{survey_round.enrolment_id}/rounds/new",
                  kind="BASELINE", version=str(version.id), minimum_respondents="3",
                  respondents=[str(r.person_id) for r in survey_round.respondents],
                  closes_on=(clock.today() + timedelta(days=14)).isoformat())
    assert answer.status_code == 400
    assert "har allerede en runde" in answer.get_data(as_text=True)


def test_someone_from_another_group_cannot_be_ticked(staff, group, make_group, make_member,
                                                     make_instrument):
    version = make_instrument(group.cohort.programme).latest
    stranger = make_member(make_group()).person
    db.session.commit()
    from tracker.surveys.round_services import default_respondents
    ids = [str(p.id) for p in default_respondents(group, clock.today())] + [str(stranger.id)]
    answer = post(staff, f"/surveys/groups/{group.id}/rounds/new", kind="BASELINE",
                  version=str(version.id), minimum_respondents="3", respondents=ids,
                  closes_on=(clock.today() + timedelta(days=14)).isoformat())
    assert answer.status_code == 400
    assert db.session.scalar(select(func.count(SurveyRound.id))) == 0


def test_a_cohort_opens_a_round_for_each_group(staff, make_cohort, make_group, make_member,
                                               make_instrument):
    cohort = make_cohort()
    groups = [make_group(cohort, status=EnrolmentStatus.CONFIRMED) for _ in range(3)]
    invited = make_group(cohort)
    for g in [*groups, invited]:
        for _ in range(3):
            make_member(g)
    version = make_instrument(cohort.programme).latest
    db.session.commit()
    assert "Åpne undersøkelsesrunder for alle gruppene" in staff.get(
        f"/cohorts/{cohort.id}").get_data(as_text=True)
    answer = post(staff, f"/surveys/cohorts/{cohort.id}/rounds/new", kind="FINAL",
                  version=str(version.id), minimum_respondents="3",
                  closes_on=(clock.today() + timedelta(days=14)).isoformat())
    assert answer.status_code == 302
    # Take one group's round away: opening again gives it one, and names the groups that
    # have one already, and the group still invited.
    survey_round = db.session.scalars(select(SurveyRound)).first()
    db.session.delete(survey_round)
    db.session.commit()
    form = staff.get(f"/surveys/cohorts/{cohort.id}/rounds/new").get_data(as_text=True)
    assert "Får en runde: " + survey_round.enrolment.organisation.name_nb in form
    assert "Ikke bekreftet, så ikke spurt: " + invited.organisation.name_nb in form
    answer = post(staff, f"/surveys/cohorts/{cohort.id}/rounds/new", kind="FINAL",
                  version=str(version.id), minimum_respondents="3",
                  closes_on=(clock.today() + timedelta(days=14)).isoformat())
    assert answer.status_code == 302
    page = staff.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Runder åpnet for " + survey_round.enrolment.organisation.name_nb in page
    assert "Hadde allerede en: " in page
    assert invited.organisation.name_nb + "." in page.split("Ikke bekreftet, så ikke spurt: ")[1]
    assert db.session.scalar(select(func.count(SurveyRound.id))) == 3
    assert page.count("svart 0 av 3") == 3


def test_the_round_page_shows_who_answered_never_what(staff, make_round, put_answers):
    survey_round = make_round()
    answered = survey_round.respondents[0]
    put_answers(answered, {"PRE1a": 5}, {"O1": "Hemmelig svar om møtene"})
    db.session.commit()
    page = staff.get(f"/surveys/rounds/{survey_round.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "1 av 3" in html
    assert html.count(">svart<") == 1 and html.count("ikke ennå") == 2
    assert "Hemmelig svar" not in html
    assert "Vi vet hvorfor vi finnes" not in html  # no item, no answer


@pytest.mark.parametrize("role", ["agency", "ministry"])
def test_agency_and_ministry_readers_never_see_who_is_asked(client, make_user, make_round, role):
    survey_round = make_round()
    user = make_user(role, organisation=survey_round.enrolment.organisation if role == "agency"
                     else None)
    names = [r.person.name for r in survey_round.respondents]
    db.session.commit()
    login_as(client, user)
    assert client.get(f"/surveys/rounds/{survey_round.id}").status_code == 403
    group_page = client.get(f"/groups/{survey_round.enrolment_id}").get_data(as_text=True)
    assert "Undersøkelsesrunder" not in group_page
    assert all(f"/surveys/rounds/{survey_round.id}" not in group_page for _ in names)


def test_ids_past_the_id_column_are_not_found(staff):
    for url in (f"/surveys/rounds/{2**31}", f"/surveys/groups/{2**31}/rounds/new",
                f"/surveys/cohorts/{2**31}/rounds/new", f"/surveys/rounds/{2**63}"):
        assert staff.get(url).status_code == 404


def test_removing_one_who_answered_is_refused_on_the_page(staff, make_round, put_answers):
    survey_round = make_round()
    answered = survey_round.respondents[0]
    put_answers(answered, {"PRE1a": 4})
    db.session.commit()
    before = stored()
    answer = post(staff, f"/surveys/rounds/{survey_round.id}/respondents/remove",
                  respondent_id=str(answered.id), confirmed="yes")
    assert answer.status_code == 400
    assert "har svart og kan ikke fjernes" in answer.get_data(as_text=True)
    assert stored() == before


def test_the_actions_of_the_round_page(staff, make_round, make_member):
    survey_round = make_round(members=4)
    newcomer = make_member(survey_round.enrolment).person
    for r in survey_round.respondents:
        r.invited_at = clock.now() - timedelta(days=2)
    db.session.commit()
    url = f"/surveys/rounds/{survey_round.id}"
    first, second = survey_round.respondents[:2]
    old_hash, first_id, second_id = first.token_hash, first.id, second.id
    assert post(staff, f"{url}/respondents", person=str(newcomer.id)).status_code == 302
    # The row's buttons ask first, saying what is lost; nothing changes until confirmed.
    before = stored()
    for action, lost in (("renew", "Den gamle lenken slutter å virke"),
                         ("remove", "lenken slutter å virke")):
        asked = post(staff, f"{url}/respondents/{action}", respondent_id=str(first_id))
        assert asked.status_code == 200 and lost in asked.get_data(as_text=True)
        assert 'name="confirmed" value="yes"' in asked.get_data(as_text=True)
    assert stored() == before
    renewed = post(staff, f"{url}/respondents/renew", respondent_id=str(first_id),
                   confirmed="yes")
    assert renewed.status_code == 302
    assert "svar som var lagret med den, er slettet" in staff.get(url).get_data(as_text=True)
    assert post(staff, f"{url}/respondents/remove", respondent_id=str(second_id),
                confirmed="yes").status_code == 302
    assert post(staff, f"{url}/minimum", minimum_respondents="4").status_code == 302
    later = clock.today() + timedelta(days=20)
    assert post(staff, f"{url}/closing-day", closes_on=later.isoformat()).status_code == 302
    assert post(staff, f"{url}/remind").status_code == 302
    db.session.expire_all()
    survey_round = db.session.get(SurveyRound, survey_round.id)
    assert {r.person_id for r in survey_round.respondents} >= {newcomer.id}
    assert second_id not in {r.id for r in survey_round.respondents}
    assert db.session.get(Respondent, first_id).token_hash != old_hash
    assert (survey_round.minimum_respondents, survey_round.closes_on) == (4, later)
    page = staff.get(url).get_data(as_text=True)
    # The reminders asked for are queued (not to whoever was invited within the hour).
    assert queued(MailKind.SURVEY_REMINDER)
    # Closing asks for the box to be ticked, saying what happens.
    refused = post(staff, f"{url}/close")
    assert refused.status_code == 400 and "Kryss av i boksen" in refused.get_data(as_text=True)
    assert db.session.get(SurveyRound, survey_round.id).closed_at is None
    assert post(staff, f"{url}/close", confirm="y").status_code == 302
    page = staff.get(url).get_data(as_text=True)
    assert "Avsluttet før tiden" in page and f"{url}/remind" not in page
    # A closed round says nothing about mail to come.
    assert "e-postutsending" not in page.split("<main")[1]
    # Results may have been seen at close: the minimum stays as it was then.
    refused = post(staff, f"{url}/minimum", minimum_respondents="5")
    assert refused.status_code == 400
    assert "minimumet kan ikke endres lenger" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SurveyRound, survey_round.id).minimum_respondents == 4
    refused = post(staff, f"{url}/closing-day", closes_on=later.isoformat())
    assert refused.status_code == 400 and "Runden er avsluttet" in refused.get_data(as_text=True)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_in_every_field_are_refused_and_change_nothing(staff, make_round, value):
    survey_round = make_round()
    db.session.commit()
    url = f"/surveys/rounds/{survey_round.id}"
    group_url = f"/surveys/groups/{survey_round.enrolment_id}/rounds/new"
    cohort_url = f"/surveys/cohorts/{survey_round.enrolment.cohort_id}/rounds/new"
    before = stored()
    for target, data in [
        (f"{url}/respondents", {"person": value}),
        (f"{url}/respondents/remove", {"respondent_id": value}),
        (f"{url}/respondents/renew", {"respondent_id": value}),
        (f"{url}/closing-day", {"closes_on": value}),
        (f"{url}/minimum", {"minimum_respondents": value}),
        (group_url, {"kind": value, "version": value, "closes_on": value,
                     "minimum_respondents": value, "respondents": value}),
        (cohort_url, {"kind": value, "version": value, "closes_on": value,
                      "minimum_respondents": value}),
    ]:
        answer = post(staff, target, **data)
        assert answer.status_code == 400, (target, value, answer.status_code)
        html = answer.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert stored() == before


def test_without_the_csrf_token_nothing_changes(staff, make_round):
    survey_round = make_round()
    db.session.commit()
    before = stored()
    answer = staff.post(f"/surveys/rounds/{survey_round.id}/close")
    assert answer.status_code == 400
    assert stored() == before


def test_the_kind_of_round_is_a_known_one(make_round):
    assert make_round().kind is RoundKind.BASELINE


def test_a_round_closed_too_early_is_reopened_from_its_page(staff, make_round, put_answers):
    survey_round = make_round(minimum=3)
    put_answers(survey_round.respondents[0], {"PRE1a": 4})
    survey_round.closed_at = clock.now()
    db.session.commit()
    url = f"/surveys/rounds/{survey_round.id}"
    page = staff.get(url).get_data(as_text=True)
    assert "Åpne runden igjen" in page and f"{url}/reopen" in page
    later = clock.today() + timedelta(days=10)
    assert post(staff, f"{url}/reopen", closes_on=later.isoformat()).status_code == 302
    db.session.expire_all()
    survey_round = db.session.get(SurveyRound, survey_round.id)
    assert survey_round.closed_at is None and survey_round.closes_on == later


def test_a_round_whose_results_were_shown_cannot_be_reopened(staff, make_round, put_answers):
    survey_round = make_round(minimum=3)
    for respondent in survey_round.respondents:
        put_answers(respondent, {"PRE1a": 4})
    survey_round.closed_at = clock.now()
    db.session.commit()
    url = f"/surveys/rounds/{survey_round.id}"
    page = staff.get(url).get_data(as_text=True)
    assert f"{url}/reopen" not in page and "kan ikke åpnes igjen" in page
    before = stored()
    refused = post(staff, f"{url}/reopen",
                   closes_on=(clock.today() + timedelta(days=10)).isoformat())
    assert refused.status_code == 400 and "regnes ut" in refused.get_data(as_text=True)
    assert stored() == before


@pytest.mark.parametrize("value", HOSTILE)
def test_reopening_refuses_hostile_days(staff, make_round, value):
    survey_round = make_round()
    survey_round.closed_at = clock.now()
    db.session.commit()
    before = stored()
    answer = post(staff, f"/surveys/rounds/{survey_round.id}/reopen", closes_on=value)
    assert answer.status_code in (400, 422)
    assert stored() == before
