"""Who is expected at a session, the register of who came, and when attendance is too low."""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from tracker import clock
from tracker.clock import local_day
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Membership, Person
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

# Who is expected at a session: the top leader and the members. The contact person arranges
# things for the group (dates, rooms, the survey) but is not in the management group, so is
# not expected and gets no attendance record.
EXPECTED_ROLES = frozenset({MemberRole.TOP_LEADER, MemberRole.MEMBER})
# A share of sessions is judged only once this many have been held: one gathering missed to a
# flu or a crisis in the ministry is not yet a pattern.
MINIMUM_HELD_SESSIONS = 3


def attendance_of_group(enrolment: Enrolment) -> tuple[list[Session], dict[tuple[int, int], Attendance]]:
    """The sessions a group is expected at (the cohort's joint ones and its own), in time
    order, and its members' attendance keyed by (person id, session id)."""
    sessions = db.session.scalars(
        select(Session)
        .where(Session.of_group(enrolment))
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ).all()
    member_ids = select(Membership.person_id).where(Membership.enrolment_id == enrolment.id)
    attendance = db.session.scalars(
        select(Attendance).where(
            Attendance.session_id.in_([s.id for s in sessions]),
            Attendance.person_id.in_(member_ids),
        )
    ).all()
    return sessions, {(a.person_id, a.session_id): a for a in attendance}


def expectable_memberships(cohort_ids: Iterable[int] | None = None) -> Select[tuple[Membership]]:
    """Top leaders' and members' memberships of the groups taking part in these cohorts (in
    every cohort by default), with person and group loaded: everyone who may be expected at
    the cohorts' sessions; `expected_memberships` picks by the session's group and day."""
    query = (
        select(Membership)
        .join(Membership.enrolment)
        .where(Enrolment.is_taking_part, Membership.role.in_(EXPECTED_ROLES))
        .options(
            selectinload(Membership.person),
            selectinload(Membership.enrolment).selectinload(Enrolment.organisation),
        )
    )
    if cohort_ids is not None:
        query = query.where(Enrolment.cohort_id.in_(list(cohort_ids)))
    return query


def expected_memberships(
    session: Session, memberships: Iterable[Membership] | None = None
) -> list[Membership]:
    """The memberships that make someone expected at the session: top leaders and members of
    the session's group (of every group of the cohort for a joint session) that is not
    withdrawn, who belong to it on the session's first day. Contacts are not expected.

    `memberships` are the cohort's, with person and group loaded; by default they are loaded.
    """
    if memberships is None:
        query = expectable_memberships([session.cohort_id])
        if session.enrolment_id is not None:
            query = query.where(Membership.enrolment_id == session.enrolment_id)
        memberships = db.session.scalars(query).all()
    day = local_day(session.starts_at)
    return [
        membership
        for membership in memberships
        if membership.role in EXPECTED_ROLES
        and session.enrolment_id in (None, membership.enrolment_id)
        and membership.enrolment.is_taking_part
        and membership.joined_on <= day
        and (membership.left_on is None or membership.left_on >= day)
    ]


def expected_people(session: Session, memberships: Iterable[Membership] | None = None) -> list[Person]:
    """Top leaders and members of the session's groups (all the cohort's for a joint session)
    who belong to their group on the session's first day, in a fixed order (by email, then id).

    `memberships`: the cohort's, with person and group loaded (the seed passes them, to load
    them once for many sessions); by default they are loaded.
    """
    people = {membership.person for membership in expected_memberships(session, memberships)}
    return sorted(people, key=lambda person: (person.email or "", person.id))


@dataclass(frozen=True)
class ExpectedPerson:
    """One line of the attendance form: a person, their group and role, and what is recorded."""

    person: Person
    membership: Membership
    attendance: Attendance | None


def attendance_register(
    session: Session, memberships: Iterable[Membership] | None = None
) -> list[ExpectedPerson]:
    """Everyone expected at the session with what is recorded for them, by group (organisation
    name), top leader first, then by name; in three queries. `memberships` as for
    `expected_memberships`."""
    by_person: dict[int, Membership] = {}
    for membership in expected_memberships(session, memberships):
        by_person.setdefault(membership.person_id, membership)
    recorded = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    lines = [ExpectedPerson(m.person, m, recorded.get(person_id)) for person_id, m in by_person.items()]
    return sorted(lines, key=lambda line: (
        line.membership.enrolment.organisation.name_nb,
        line.membership.role is not MemberRole.TOP_LEADER,
        line.person.name is None, line.person.name or "", line.person.id,
    ))


@dataclass(frozen=True)
class Mark:
    """What the form says about one person: a status (None: not recorded) and a note."""

    person_id: int
    status: AttendanceStatus | None
    note: str


def record_attendance(session: Session, *, version: object, marks: Iterable[Mark],
                      now: datetime | None = None,
                      memberships: Iterable[Membership] | None = None) -> int:
    """Save everyone's attendance at the session at once; return how many records changed.
    `memberships` as for `expected_memberships` (the seed loads a cohort's once).

    Marks the session held when it was planned and has started. Saving changes the session's
    version, so two people filling in the same register cannot overwrite each other.

    :raise ConflictError: when the session changed after the form was opened at `version`.
    :raise DomainError: when a mark names someone not expected at the session (nothing is
        saved), or has a note but no status.
    """
    check_version(session, version)
    marks = list(marks)
    register = {line.person.id: line for line in attendance_register(session, memberships)}
    strangers = [mark.person_id for mark in marks if mark.person_id not in register]
    if strangers or len({m.person_id for m in marks}) != len(marks):
        raise DomainError(_l("The form names someone who is not expected at this session. "
                             "Nothing is saved: open the form again."))
    for mark in marks:
        if mark.status is None and mark.note.strip():
            raise DomainError(_l("Choose present, absent or excused to keep a note."),
                              field=f"note_{mark.person_id}")
    changed = 0
    for mark in marks:
        line = register[mark.person_id]
        note = mark.note.strip()
        if mark.status is None:
            continue
        if line.attendance is None:
            db.session.add(Attendance(person=line.person, session=session, status=mark.status,
                                      note=note))
            changed += 1
        elif (line.attendance.status, line.attendance.note) != (mark.status, note):
            line.attendance.status, line.attendance.note = mark.status, note
            changed += 1
    now = now or clock.now()
    if session.status is SessionStatus.PLANNED and session.starts_at <= now:
        session.status = SessionStatus.HELD
        changed += 1
    elif changed:
        # The register is part of the session: saving it moves the session's version on.
        flag_modified(session, "status")
    db.session.flush()
    return changed


# When attendance is too low


def attendance_threshold() -> float:
    """ATTENDANCE_ALERT_THRESHOLD: the share present below which coordinators should ask."""
    return current_app.config["ATTENDANCE_ALERT_THRESHOLD"]


@dataclass(frozen=True)
class AttendanceTally:
    """What the registers say about one person, or one group, over the held sessions they were
    expected at (`expected_memberships`)."""

    held: int = 0  # held sessions they were expected at
    marked: int = 0  # expected attendances with a mark: present, absent or excused
    present: int = 0  # of those, marked present

    @classmethod
    def of(cls, held: int, marks: Iterable[AttendanceStatus | None]) -> "AttendanceTally":
        """The tally of `held` sessions from the marks of everyone expected at them (None
        where nothing is recorded)."""
        marks = list(marks)
        return cls(held=held, marked=sum(mark is not None for mark in marks),
                   present=marks.count(AttendanceStatus.PRESENT))

    @property
    def share(self) -> float | None:
        """Present of those marked; None when nothing is marked."""
        return self.present / self.marked if self.marked else None

    def is_low(self, threshold: float | None = None) -> bool:
        """Whether attendance is below `threshold` (by default ATTENDANCE_ALERT_THRESHOLD).

        The one rule for the attention list and the coordinators' alerts:
        - Only held sessions count: one not yet held has no attendance, a cancelled one none
          to have, and one past but still planned is bookkeeping the attention list asks for
          on its own.
        - Joint gatherings and the group's own sessions count alike: the group is expected
          at both, and both are the course.
        - The share is of attendances marked. An empty line in a register means "not known
          yet" (the form says so), not absent: counting it would raise the alarm about
          people who came whenever a register is late.
        - Excused absence counts as not present: the leader missed that part of the course
          all the same, which is what a coordinator follows up; the excuse is in the register.
        - Nothing is judged before MINIMUM_HELD_SESSIONS sessions are held.
        """
        if threshold is None:
            threshold = attendance_threshold()
        share = self.share
        return self.held >= MINIMUM_HELD_SESSIONS and share is not None and share < threshold


def group_attendance(
    enrolment: Enrolment,
    cohort_sessions: Iterable[Session],
    memberships: list[Membership],
    marks: dict[tuple[int, int], AttendanceStatus],
) -> AttendanceTally:
    """The group's tally over the held sessions it was expected at, everyone expected there
    counted, from data loaded beforehand (no queries): `cohort_sessions` are its cohort's,
    `memberships` the group's, `marks` the statuses recorded by (session id, person id)."""
    held = [s for s in cohort_sessions if s.status is SessionStatus.HELD and s.is_for_group(enrolment)]
    statuses: list[AttendanceStatus | None] = []
    sessions = 0
    for session in held:
        expected = expected_memberships(session, memberships)
        sessions += bool(expected)
        statuses += [marks.get((session.id, m.person_id)) for m in expected]
    return AttendanceTally.of(sessions, statuses)
