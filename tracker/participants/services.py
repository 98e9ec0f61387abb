"""What a participant (an agency's top leader, a member, a ministry's leader) sees of their own
leadership groups: the My group page. It gathers the groups, schedule, attendance and members,
so it stands above all of them."""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from sqlalchemy import Select, and_, false, func, or_, select, union
from sqlalchemy.orm import aliased, contains_eager, joinedload

from tracker import clock
from tracker.cohorts.models import Cohort, CohortStatus
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation
from tracker.people.models import Membership
from tracker.people.services import members_of
from tracker.programmes.models import Programme
from tracker.roles import Role
from tracker.participants.proposals import leads, leads_as
from tracker.materials.models import Material
from tracker.materials.services import expected_among
from tracker.schedule.models import AbsenceNotice, Attendance, Session, SessionGuest, SessionStatus
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
    # The current group's members, when the page shows them (`shows_members`), else empty.
    memberships: list[Membership]
    # The other organisations in the current group's cohort (groups that have not withdrawn).
    other_organisations: list[Organisation]
    # The coordinators' addresses: active users with the coordinator role.
    coordinator_emails: list[str]
    # Is the user's person the current group's top leader or contact person today (`leads`)?
    leads: bool = False
    # The member list on the page (`shows_members_to`).
    shows_members: bool = False
    # The ids of the sessions the user's person is expected at (`expected_among`: a member of
    # the group on the day, or a guest), and of those they have given notice of absence for.
    expected_at: frozenset[int] = frozenset()
    noticed: frozenset[int] = frozenset()
    # The user's person's memberships of these groups, with the person (the page's calendar
    # offers the person's feed: held here, it is not asked for again).
    own_memberships: list[Membership] = field(default_factory=list)
    # Every material of the sessions and of their modules, whoever may see them (`materials_for`
    # picks the user's).
    materials: list[Material] = field(default_factory=list)

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


def _is_own(person_column, user: User):
    """The row is the user's person's (false for a user who is no person)."""
    return person_column == user.person_id if user.person_id is not None else false()


def _coordinator_addresses():
    """The addresses of the active coordinators, one value of a line each (an address holds no
    line break), as a column another statement can carry."""
    return (select(func.aggregate_strings(User.email, "\n"))
            .where(User.role == Role.COORDINATOR, User.active.is_(True)).scalar_subquery())


def my_enrolments(user: User) -> Select[tuple[Enrolment, Membership | None]]:
    """The groups of the user's organisation and every group the user's person is (or was) a
    member of, in any cohort and organisation, newest cohort first, each beside the person's
    membership of it (None when they have none; with the person); with cohort, programme,
    responsible organisation and organisation loaded, and each cohort's groups with their
    organisations, by name (the page names the current group's fellows). Rows repeat an
    enrolment once per group of its cohort: read them with `.unique()`."""
    # The groups' ids picked by two indexed lookups: an OR over the outer join's columns would
    # make the database read every group ever enrolled.
    mine = []
    if user.organisation_id is not None:
        mine.append(select(Enrolment.id).where(Enrolment.organisation_id == user.organisation_id))
    if user.person_id is not None:
        mine.append(select(Membership.enrolment_id).where(Membership.person_id == user.person_id))
    fellow, fellow_organisation = aliased(Enrolment), aliased(Organisation)
    return (
        select(Enrolment, Membership)
        .select_from(Enrolment)
        .join(Enrolment.cohort)
        # At most one membership a person in a group (its unique constraint): no row doubles.
        .outerjoin(Membership, and_(Membership.enrolment_id == Enrolment.id,
                                    _is_own(Membership.person_id, user)))
        .join(fellow, fellow.cohort_id == Cohort.id)
        .join(fellow_organisation, fellow_organisation.id == fellow.organisation_id)
        .where(Enrolment.id.in_(union(*mine)) if mine else false())
        .options(
            contains_eager(Enrolment.cohort)
            .joinedload(Cohort.programme)
            .joinedload(Programme.responsible_organisation),
            contains_eager(Enrolment.cohort).contains_eager(Cohort.enrolments.of_type(fellow))
            .contains_eager(fellow.organisation.of_type(fellow_organisation)),
            joinedload(Enrolment.organisation),
            joinedload(Membership.person),
        )
        .order_by(Cohort.start_date.desc(), Cohort.id.desc(), fellow_organisation.name_nb,
                  fellow.id)
    )


def current_enrolment(enrolments: list[Enrolment], today: date) -> Enrolment | None:
    """Of groups listed newest cohort first: one whose cohort is running and that has not
    withdrawn; else the newest that has not withdrawn; else the newest."""
    taking_part = [e for e in enrolments if e.is_taking_part]
    running = [e for e in taking_part if e.cohort.status(today) is CohortStatus.RUNNING]
    return next(iter(running or taking_part or enrolments), None)


def my_groups(user: User, now: datetime) -> MyGroup:
    """Everything the My group page shows for `user` at `now` (survey links, proposals,
    progress and assessment results aside; the materials to pick from), in the same number of
    queries however many groups, sessions and members there are: two, and a third for the
    member list when the page shows it."""
    enrolments, own, coordinators = [], [], ""
    # The coordinators' addresses ride along (the page names them beside the current group).
    for enrolment, membership, coordinators in db.session.execute(
            my_enrolments(user).add_columns(_coordinator_addresses())).unique():
        enrolments.append(enrolment)
        if membership is not None:
            own.append(membership)
    today = clock.local_day(now)
    current = current_enrolment(enrolments, today)
    if current is None:
        return MyGroup(enrolments, None, [], None, {}, [], [], [], own_memberships=own)
    leading = leads_as(next((m for m in own if m.enrolment_id == current.id), None), today)
    # One statement: the sessions with their module, each beside the user's own mark, guest
    # place and notice of absence, if any (each at most one a person and session), and its
    # materials and its module's (a row each: a session has a handful).
    sessions, attendance, guest_at, noticed, materials = {}, {}, set(), set(), {}
    for session, mark, guest, notice, material in db.session.execute(
        select(Session, Attendance, SessionGuest.id, AbsenceNotice.id, Material)
        .select_from(Session)
        .outerjoin(Attendance, and_(Attendance.session_id == Session.id,
                                    _is_own(Attendance.person_id, user)))
        .outerjoin(SessionGuest, and_(SessionGuest.session_id == Session.id,
                                      _is_own(SessionGuest.person_id, user)))
        .outerjoin(AbsenceNotice, and_(AbsenceNotice.session_id == Session.id,
                                       _is_own(AbsenceNotice.person_id, user)))
        .outerjoin(Material, or_(Material.session_id == Session.id,
                                 Material.module_id == Session.module_id))
        .where(Session.of_group(current))
        .options(joinedload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ):
        sessions[session.id] = session
        if material is not None:
            materials[material.id] = material
        if mark is not None:
            attendance[session.id] = mark
        if guest is not None:
            guest_at.add(session.id)
        if notice is not None:
            noticed.add(session.id)
    sessions = list(sessions.values())
    next_session = next(
        (s for s in sessions if s.ends_at > now and s.status is not SessionStatus.CANCELLED), None
    )
    # The cohort's groups came with the user's groups, by organisation name.
    others = [e.organisation for e in current.cohort.enrolments
              if e.id != current.id and e.is_taking_part]
    shows_members = shows_members_to(user, current, leading=leading)
    return MyGroup(
        enrolments=enrolments,
        current=current,
        sessions=sessions,
        next_session=next_session,
        attendance=attendance,
        memberships=list(db.session.scalars(members_of(current))) if shows_members else [],
        other_organisations=list(others),
        coordinator_emails=sorted(coordinators.split("\n")) if coordinators else [],
        leads=leading,
        shows_members=shows_members,
        expected_at=frozenset(expected_among(sessions, own, guest_at)) if user.person_id else frozenset(),
        noticed=frozenset(noticed),
        materials=list(materials.values()),
        own_memberships=own,
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
        .options(contains_eager(Respondent.round).joinedload(SurveyRound.enrolment)
                 .joinedload(Enrolment.organisation),
                 # A gathering's evaluation belongs to its session, not to a group.
                 contains_eager(Respondent.round).joinedload(SurveyRound.session)
                 .joinedload(Session.module))
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
