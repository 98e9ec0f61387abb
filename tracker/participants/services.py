"""What a participant (an agency's top leader, a member, a ministry's leader) sees of their own
leadership groups: the My group page. It gathers the groups, schedule, attendance and members,
so it stands above all of them."""
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker import clock
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation
from tracker.people.models import Membership
from tracker.people.services import members_of
from tracker.programmes.models import Programme
from tracker.roles import Role
from tracker.participants.proposals import leads
from tracker.schedule.models import Attendance, Session, SessionStatus
from tracker.surveys.models import Respondent, SurveyRound
from tracker.surveys.rounds import link_token, token_hash
from tracker.users.models import User


@dataclass(frozen=True)
class MyGroup:
    """The signed-in user's leadership groups, and everything the My group page shows about
    the current one."""

    # The groups of the user's organisation and every group the user's person is a member of,
    # newest cohort first.
    enrolments: list[Enrolment]
    # The group the page is about: one whose cohort is running, else the newest one that has
    # not withdrawn, else the newest. None when the user has no group.
    current: Enrolment | None
    # The current group's schedule (the cohort's joint sessions and its own) in time order,
    # cancelled ones too.
    sessions: list[Session]
    # The first session not yet over and not cancelled.
    next_session: Session | None
    # The user's own attendance by session id (empty without a person).
    attendance: dict[int, Attendance]
    memberships: list[Membership]
    # The other organisations in the current group's cohort (groups that have not withdrawn).
    other_organisations: list[Organisation]
    # The coordinators' addresses: active users with the coordinator role.
    coordinator_emails: list[str]

    @property
    def others(self) -> list[Enrolment]:
        """The user's groups besides the current one, newest cohort first."""
        return [e for e in self.enrolments if e is not self.current]

    @property
    def cohorts_with_information(self) -> list[Cohort]:
        """The cohorts of the user's other groups that have information for participants,
        each once, newest first; the current group's cohort is not among them (the page shows
        its information beside the group). The user takes part in each of them, and the field
        is for everyone who may see its cohort (tracker/access.py, "Who reads which text")."""
        seen = {self.current.cohort_id} if self.current else set()
        cohorts = []
        for enrolment in self.others:
            if enrolment.cohort_id not in seen and enrolment.cohort.participant_information:
                seen.add(enrolment.cohort_id)
                cohorts.append(enrolment.cohort)
        return cohorts


def my_enrolments(user: User) -> Select[tuple[Enrolment]]:
    """The groups of the user's organisation and every group the user's person is (or was) a
    member of, in any cohort and organisation, newest cohort first; with cohort, programme,
    responsible organisation and organisation loaded."""
    mine = []
    if user.organisation_id is not None:
        mine.append(Enrolment.organisation_id == user.organisation_id)
    if user.person_id is not None:
        mine.append(Enrolment.id.in_(
            select(Membership.enrolment_id).where(Membership.person_id == user.person_id)
        ))
    return (
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(or_(*mine) if mine else false())
        # All many-to-one: joined in the one statement.
        .options(
            contains_eager(Enrolment.cohort)
            .joinedload(Cohort.programme)
            .joinedload(Programme.responsible_organisation),
            joinedload(Enrolment.organisation),
        )
        .order_by(Cohort.start_date.desc(), Cohort.id.desc())
    )


def current_enrolment(enrolments: list[Enrolment], today: date) -> Enrolment | None:
    """Of groups listed newest cohort first: one whose cohort is running and that has not
    withdrawn; else the newest that has not withdrawn; else the newest."""
    taking_part = [e for e in enrolments if e.is_taking_part]
    running = [e for e in taking_part if e.cohort.status(today) is CohortStatus.RUNNING]
    return next(iter(running or taking_part or enrolments), None)


def my_groups(user: User, now: datetime) -> MyGroup:
    """Everything the My group page shows for `user` at `now` (progress and assessment results
    aside), in the same number of queries however many groups, sessions and members there are."""
    enrolments = list(db.session.scalars(my_enrolments(user)).unique())
    current = current_enrolment(enrolments, clock.local_day(now))
    if current is None:
        return MyGroup(enrolments, None, [], None, {}, [], [], [])
    # One statement: the sessions with their module, each beside the user's own mark, if any.
    sessions, attendance = [], {}
    for session, mark in db.session.execute(
        select(Session, Attendance)
        .outerjoin(Attendance, and_(Attendance.session_id == Session.id,
                                    Attendance.person_id == user.person_id))
        .where(Session.of_group(current))
        .options(joinedload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ):
        sessions.append(session)
        if mark is not None:
            attendance[session.id] = mark
    next_session = next(
        (s for s in sessions if s.ends_at > now and s.status is not SessionStatus.CANCELLED), None
    )
    others = db.session.scalars(
        select(Organisation)
        .join(Enrolment, Enrolment.organisation_id == Organisation.id)
        .where(
            Enrolment.cohort_id == current.cohort_id,
            Enrolment.id != current.id,
            Enrolment.is_taking_part,
        )
        .order_by(Organisation.name_nb)
    ).all()
    coordinator_emails = db.session.scalars(
        select(User.email)
        .where(User.role == Role.COORDINATOR, User.active.is_(True))
        .order_by(User.email)
    ).all()
    return MyGroup(
        enrolments=enrolments,
        current=current,
        sessions=sessions,
        next_session=next_session,
        attendance=attendance,
        memberships=list(db.session.scalars(members_of(current))),
        other_organisations=list(others),
        coordinator_emails=list(coordinator_emails),
    )


# Issue 13: a participant's own page

@dataclass(frozen=True)
class OpenSurvey:
    """A survey round open for the user's person that they have not answered, with their own
    personal link (tracker.surveys.rounds): for their own page only, never anyone else's."""

    survey_round: SurveyRound
    url: str


def open_surveys(user: User, today: date) -> list[OpenSurvey]:
    """The rounds that take answers today and ask the user's person, not yet answered, each with
    the person's live link (one a coordinator renewed away is not drawn: its hash would not
    match), soonest closing first. Empty without a person."""
    if user.person_id is None:
        return []
    respondents = db.session.scalars(
        select(Respondent)
        .join(Respondent.round)
        .where(Respondent.person_id == user.person_id, Respondent.has_answered.is_(False),
               Respondent.token_hash.is_not(None), SurveyRound.is_open(today))
        .options(contains_eager(Respondent.round).selectinload(SurveyRound.enrolment)
                 .selectinload(Enrolment.organisation),
                 # A gathering's evaluation belongs to its session, not to a group.
                 contains_eager(Respondent.round).selectinload(SurveyRound.session)
                 .selectinload(Session.module))
        .order_by(SurveyRound.closes_on, SurveyRound.id)
    ).all()
    surveys = []
    for respondent in respondents:
        token = link_token(respondent)
        if token_hash(token) == respondent.token_hash:
            surveys.append(OpenSurvey(respondent.round, url_for("respond.answer", token=token)))
    return surveys


def shows_members_to(user: User, enrolment: Enrolment, leading: bool | None = None) -> bool:
    """The member list on the My group page: for those who may see the group anyway (its
    organisation's group leaders) and for its top leader and contact person; a participant who
    is a member only sees their own part. `leading`: `leads(user, enrolment)` when the page
    has asked it already."""
    return enrolment.can_view(user) or (leads(user, enrolment) if leading is None else leading)
