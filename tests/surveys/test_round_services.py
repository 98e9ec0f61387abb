"""Opening rounds for a group or a whole cohort, and changing them after: the rules, and the
refusals, each naming its field and changing nothing."""
from datetime import timedelta

import pytest

from tests.outbox import queued, text_of
from tracker.outbox.models import MailKind
from sqlalchemy import func, select

from tracker import clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import record_status
from tracker.people.models import MemberRole
from tracker.surveys import round_services as services
from tracker.surveys.models import Respondent, RoundKind, SurveyRound
from tracker.surveys.rounds import respondent_for_link, link_token


@pytest.fixture
def group(make_group, make_member):
    group = make_group()
    make_member(group, role=MemberRole.TOP_LEADER)
    for _ in range(3):
        make_member(group)
    group.contact = make_member(group, role=MemberRole.CONTACT).person
    return group


def open_for(group, version, *, person_ids=None, minimum=3, closes_in=14, kind=RoundKind.BASELINE):
    today = clock.today()
    return services.open_group_round(group, kind, version, closes_on=today + timedelta(days=closes_in),
                                     minimum_respondents=minimum, person_ids=person_ids,
                                     opened_by=None, today=today)


def rounds_count():
    return db.session.scalar(select(func.count(SurveyRound.id)))


def test_a_group_round_asks_its_top_leader_and_members_not_its_contact(group, make_instrument):
    survey_round = open_for(group, make_instrument(group.cohort.programme).latest)
    assert len(survey_round.respondents) == 4
    assert group.contact.id not in {r.person_id for r in survey_round.respondents}
    assert all(r.token_hash for r in survey_round.respondents)


def test_unticked_people_are_not_asked(group, make_instrument):
    people = services.default_respondents(group, clock.today())
    survey_round = open_for(group, make_instrument(group.cohort.programme).latest,
                            person_ids=[p.id for p in people[:3]])
    assert {r.person_id for r in survey_round.respondents} == {p.id for p in people[:3]}


def test_a_person_of_another_group_is_refused(group, make_group, make_member, make_instrument):
    stranger = make_member(make_group()).person
    people = services.default_respondents(group, clock.today())
    with pytest.raises(DomainError) as refused:
        open_for(group, make_instrument(group.cohort.programme).latest,
                 person_ids=[p.id for p in people] + [stranger.id])
    assert refused.value.field == "respondents"
    assert rounds_count() == 0


@pytest.mark.parametrize("minimum", [2, 0, -1, 2**31, True, "3"])
def test_a_minimum_below_three_or_not_a_number_is_refused(group, make_instrument, minimum):
    with pytest.raises(DomainError) as refused:
        open_for(group, make_instrument(group.cohort.programme).latest, minimum=minimum)
    assert refused.value.field == "minimum_respondents"
    assert rounds_count() == 0


@pytest.mark.parametrize("closes_in", [-1, 121])
def test_a_closing_day_past_or_too_far_is_refused(group, make_instrument, closes_in):
    with pytest.raises(DomainError) as refused:
        open_for(group, make_instrument(group.cohort.programme).latest, closes_in=closes_in)
    assert refused.value.field == "closes_on"


def test_fewer_asked_than_the_minimum_is_refused(group, make_instrument):
    people = services.default_respondents(group, clock.today())
    with pytest.raises(DomainError) as refused:
        open_for(group, make_instrument(group.cohort.programme).latest,
                 person_ids=[p.id for p in people[:3]], minimum=4)
    assert refused.value.field == "respondents"


def test_a_second_round_of_the_same_kind_is_refused(group, make_instrument):
    version = make_instrument(group.cohort.programme).latest
    open_for(group, version)
    with pytest.raises(DomainError) as refused:
        open_for(group, version)
    assert refused.value.field == "kind"
    assert open_for(group, version, kind=RoundKind.FINAL).kind is RoundKind.FINAL


def test_a_cohort_opens_one_round_per_group_taking_part(make_cohort, make_group, make_member,
                                                        make_instrument):
    cohort = make_cohort()
    groups = [make_group(cohort, status=EnrolmentStatus.CONFIRMED) for _ in range(3)]
    invited = make_group(cohort)
    for g in [*groups, invited]:
        for _ in range(3):
            make_member(g)
    record_status(groups[2], EnrolmentStatus.WITHDRAWN, reason="Trakk seg")
    today = clock.today()
    opened, plan = services.open_cohort_rounds(
        cohort, RoundKind.BASELINE, make_instrument(cohort.programme).latest,
        closes_on=today + timedelta(days=10), minimum_respondents=3, opened_by=None, today=today)
    # A group still invited has not said yes: it gets no round, and is named as such.
    assert {r.enrolment_id for r in opened} == {groups[0].id, groups[1].id}
    assert plan.not_confirmed == [invited] and plan.have_one == []
    assert len({(r.version_id, r.closes_on, r.minimum_respondents) for r in opened}) == 1


def test_a_cohort_round_refused_for_one_group_opens_none_and_names_it(
        make_cohort, make_group, make_member, make_instrument):
    cohort = make_cohort()
    full, small = (make_group(cohort, status=EnrolmentStatus.CONFIRMED),
                   make_group(cohort, status=EnrolmentStatus.CONFIRMED))
    for _ in range(3):
        make_member(full)
    make_member(small)
    today = clock.today()
    with pytest.raises(DomainError) as refused:
        services.open_cohort_rounds(
            cohort, RoundKind.BASELINE, make_instrument(cohort.programme).latest,
            closes_on=today + timedelta(days=10), minimum_respondents=3, opened_by=None,
            today=today)
    assert small.organisation.name_nb in str(refused.value)
    assert rounds_count() == 0


def test_someone_added_later_gets_a_link_and_its_invitation_at_once(make_round, make_member):
    survey_round = make_round()
    newcomer = make_member(survey_round.enrolment).person
    respondent = services.add_respondent(survey_round, newcomer.id, clock.today())
    assert respondent.token_hash and respondent.invited_at is not None
    [mail] = queued(MailKind.SURVEY_INVITATION, to=newcomer.email)
    assert link_token(respondent) in text_of(mail)


def test_adding_someone_of_another_group_or_twice_is_refused(make_round, make_group, make_member):
    survey_round = make_round()
    stranger = make_member(make_group()).person
    for person_id in (stranger.id, survey_round.respondents[0].person_id, 2**31, None):
        with pytest.raises(DomainError) as refused:
            services.add_respondent(survey_round, person_id, clock.today())
        assert refused.value.field == "person"
    assert len(survey_round.respondents) == 3


def test_removing_one_who_answered_is_refused(make_round, put_answers):
    survey_round = make_round()
    answered = survey_round.respondents[0]
    put_answers(answered, {"PRE1a": 4})
    with pytest.raises(DomainError) as refused:
        services.remove_respondent(survey_round, answered.id, clock.today())
    assert refused.value.field == "respondent"
    assert len(survey_round.respondents) == 3


def test_removing_one_who_has_not_answered_kills_their_link(make_round):
    survey_round = make_round()
    respondent = survey_round.respondents[1]
    token = link_token(respondent)
    services.remove_respondent(survey_round, respondent.id, clock.today())
    assert respondent_for_link(token) is None
    assert len(survey_round.respondents) == 2


def test_a_renewed_link_kills_the_old_one_and_is_invited_again(make_round):
    survey_round = make_round()
    respondent = survey_round.respondents[0]
    respondent.invited_at = clock.now()
    old = link_token(respondent)
    services.renew_respondent_link(survey_round, respondent.id, clock.today())
    assert respondent_for_link(old) is None
    assert respondent_for_link(link_token(respondent)) is respondent
    [mail] = queued(MailKind.SURVEY_INVITATION, to=respondent.person.email)
    assert link_token(respondent) in text_of(mail) and old not in text_of(mail)


@pytest.mark.parametrize("respondent_id", [None, 0, 2**31, 999_999])
def test_an_unknown_respondent_is_refused(make_round, respondent_id):
    survey_round = make_round()
    for action in (services.remove_respondent, services.renew_respondent_link):
        with pytest.raises(DomainError):
            action(survey_round, respondent_id, clock.today())


def test_the_closing_day_moves_but_not_into_the_past_nor_after_closing(make_round):
    survey_round = make_round()
    today = clock.today()
    services.change_closing_day(survey_round, today + timedelta(days=3), today)
    assert survey_round.closes_on == today + timedelta(days=3)
    with pytest.raises(DomainError) as refused:
        services.change_closing_day(survey_round, today - timedelta(days=1), today)
    assert refused.value.field == "closes_on"
    services.close_round(survey_round, today)
    assert not survey_round.is_open(today)
    with pytest.raises(DomainError):
        services.change_closing_day(survey_round, today + timedelta(days=5), today)
    with pytest.raises(DomainError):
        services.close_round(survey_round, today)


def test_a_round_is_open_to_the_end_of_its_closing_day(make_round):
    survey_round = make_round(closes_in_days=0)
    assert survey_round.is_open(clock.today())
    assert not survey_round.is_open(clock.today() + timedelta(days=1))


def test_the_minimum_is_raised_never_lowered_nor_below_three(make_round):
    survey_round = make_round(members=5)
    services.change_minimum(survey_round, 4, clock.today())
    assert survey_round.minimum_respondents == 4
    for minimum in (3, 2, None, 2**31):
        with pytest.raises(DomainError) as refused:
            services.change_minimum(survey_round, minimum, clock.today())
        assert refused.value.field == "minimum_respondents"
    assert survey_round.minimum_respondents == 4


def test_asking_for_reminders_queues_one_to_those_invited_who_have_not_answered(make_round, put_answers):
    survey_round = make_round()
    first, second, third = survey_round.respondents
    put_answers(first, {"PRE1a": 4})
    now = clock.now()
    for r in (first, second):
        r.invited_at = now - timedelta(days=2)
    assert services.ask_reminders(survey_round, clock.today(), now) == 1
    assert [m["To"].addresses[0].addr_spec for m in queued(MailKind.SURVEY_REMINDER)] == [
        second.person.email]
    assert second.reminded_at is not None and first.reminded_at is None and third.reminded_at is None


def test_asking_for_reminders_with_nobody_to_remind_is_refused(make_round):
    with pytest.raises(DomainError):
        services.ask_reminders(make_round(), clock.today(), clock.now())


def test_summaries_count_who_answered(make_round, put_answers):
    survey_round = make_round()
    put_answers(survey_round.respondents[0], {"PRE1a": 4})
    [summary] = services.group_rounds(survey_round.enrolment)
    assert (summary.asked, summary.answered) == (3, 1)
    assert db.session.scalar(select(func.count(Respondent.id))) == 3


def test_the_minimum_cannot_be_raised_above_the_number_asked(make_round):
    survey_round = make_round(members=4)
    with pytest.raises(DomainError) as refused:
        services.change_minimum(survey_round, 5, clock.today())
    assert refused.value.field == "minimum_respondents"
    assert "4" in str(refused.value)
    services.change_minimum(survey_round, 4, clock.today())
    assert survey_round.minimum_respondents == 4


def test_the_minimum_cannot_be_changed_once_the_round_is_closed(make_round):
    """Results may have been seen at close: a higher minimum now would hide them, and change
    what differencing two views could tell."""
    survey_round = make_round(members=5)
    services.close_round(survey_round, clock.today())
    with pytest.raises(DomainError) as refused:
        services.change_minimum(survey_round, 4, clock.today())
    assert refused.value.field == "minimum_respondents"
    past = make_round(members=5, closes_in_days=0)
    with pytest.raises(DomainError) as refused:
        services.change_minimum(past, 4, clock.today() + timedelta(days=1))
    assert refused.value.field == "minimum_respondents"
    assert (survey_round.minimum_respondents, past.minimum_respondents) == (3, 3)


def test_a_renewed_link_does_not_bring_the_saved_answers_to_whoever_holds_it(make_round):
    """The e-mail address may have been changed before the renewal: the new link starts
    afresh, and the answers saved with the old one are gone."""
    from tracker.surveys.models import Draft
    from tracker.surveys.responses import draft_of, save_draft

    survey_round = make_round()
    renewed, other = survey_round.respondents[0], survey_round.respondents[1]
    save_draft(renewed, {"PRE1a": "4"}, {"O1": "Noe personlig"})
    save_draft(other, {"PRE1a": "2"}, {})
    services.renew_respondent_link(survey_round, renewed.id, clock.today())
    assert draft_of(renewed).items == {} and draft_of(renewed).open == {}
    assert db.session.scalar(select(Draft.respondent_id)) == other.id


def test_a_cohort_round_skips_a_group_that_has_one_and_names_it(
        make_cohort, make_group, make_member, make_instrument):
    cohort = make_cohort()
    first, second = (make_group(cohort, status=EnrolmentStatus.CONFIRMED),
                     make_group(cohort, status=EnrolmentStatus.CONFIRMED))
    for group in (first, second):
        for _ in range(3):
            make_member(group)
    version = make_instrument(cohort.programme).latest
    open_for(second, version)
    today = clock.today()
    opened, plan = services.open_cohort_rounds(
        cohort, RoundKind.BASELINE, version, closes_on=today + timedelta(days=10),
        minimum_respondents=3, opened_by=None, today=today)
    assert [r.enrolment_id for r in opened] == [first.id]
    assert plan.have_one == [second]
    assert rounds_count() == 2
    # Once every group has one, nothing is left to open: refused, naming the survey.
    with pytest.raises(DomainError) as refused:
        services.open_cohort_rounds(cohort, RoundKind.BASELINE, version,
                                    closes_on=today + timedelta(days=10), minimum_respondents=3,
                                    opened_by=None, today=today)
    assert refused.value.field == "kind"
    assert rounds_count() == 2


def test_a_cohort_round_refused_for_too_few_names_the_minimum(
        make_cohort, make_group, make_member, make_instrument):
    cohort = make_cohort()
    full, small = (make_group(cohort, status=EnrolmentStatus.CONFIRMED),
                   make_group(cohort, status=EnrolmentStatus.CONFIRMED))
    for _ in range(3):
        make_member(full)
    make_member(small)
    today = clock.today()
    with pytest.raises(DomainError) as refused:
        services.open_cohort_rounds(
            cohort, RoundKind.BASELINE, make_instrument(cohort.programme).latest,
            closes_on=today + timedelta(days=10), minimum_respondents=3, opened_by=None,
            today=today)
    assert refused.value.field == "minimum_respondents"
    assert small.organisation.name_nb in str(refused.value)


def test_closing_early_with_too_few_answers_can_be_undone_with_a_new_last_day(make_round,
                                                                           put_answers):
    survey_round = make_round(minimum=3)
    put_answers(survey_round.respondents[0], {"PRE1a": 4})
    today = clock.today()
    services.close_round(survey_round, today)
    assert services.may_reopen(survey_round, today)
    for bad in (None, today - timedelta(days=1), today + timedelta(days=200)):
        with pytest.raises(DomainError) as refused:
            services.reopen_round(survey_round, bad, today)
        assert refused.value.field == "closes_on"
        assert not survey_round.is_open(today)
    services.reopen_round(survey_round, today + timedelta(days=7), today)
    assert survey_round.is_open(today) and survey_round.closes_on == today + timedelta(days=7)
    with pytest.raises(DomainError):
        services.reopen_round(survey_round, today + timedelta(days=8), today)


def test_a_round_whose_results_were_shown_is_never_reopened(make_round, put_answers):
    survey_round = make_round(minimum=3)
    for respondent in survey_round.respondents:
        put_answers(respondent, {"PRE1a": 4})
    today = clock.today()
    services.close_round(survey_round, today)
    assert not services.may_reopen(survey_round, today)
    with pytest.raises(DomainError) as refused:
        services.reopen_round(survey_round, today + timedelta(days=7), today)
    assert "worked out" in str(refused.value) or "regnes ut" in str(refused.value)
    assert not survey_round.is_open(today)


def test_the_new_round_defaults_follow_the_group(make_round, make_instrument):
    survey_round = make_round()
    enrolment = survey_round.enrolment
    assert services.kind_lacking([survey_round]) is RoundKind.FINAL
    assert services.kind_lacking([]) is RoundKind.BASELINE
    newer = make_instrument(enrolment.cohort.programme).latest
    versions = [newer, survey_round.instrument_version]
    # A final compares with the baseline: the baseline's version, not the newest.
    assert services.default_version(enrolment, versions) == survey_round.instrument_version
    day = services.default_closing_day(clock.today())
    assert day.weekday() < 5 and (day - clock.today()).days >= 14
