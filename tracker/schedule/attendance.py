"""Who is expected at a session, the register of who came, and when attendance is too low."""
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, inspect, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from tracker import clock
from tracker.clock import local_day
from tracker.cohorts.models import Cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Membership, Person
from tracker.people.services import people
from tracker.schedule.models import (
    AbsenceNotice,
    Attendance,
    AttendanceStatus,
    Session,
    SessionGuest,
    SessionStatus,
)

# Who is expected at a session: the top leader and the members. The contact person arranges
# things for the group (dates, rooms, the survey) but is not in the management group, so is
# not expected and gets no attendance record.
EXPECTED_ROLES = frozenset({MemberRole.TOP_LEADER, MemberRole.MEMBER})
# A share of sessions is judged only once this many have been held: one gathering missed to a
# flu or a crisis in the ministry is not yet a pattern.
MINIMUM_HELD_SESSIONS = 3


def attendance_of_group(enrolment: Enrolment) -> tuple[list[Session], dict[tuple[int, int], Attendance]]:
    """The sessions a group is expected at (the cohort's joint ones and its own), in time
    order, and its members' attendance keyed by (person id, session id), each absence excused
    with a notice given in advance saying so (`Attendance.excused_in_advance`)."""
    member_ids = select(Membership.person_id).where(Membership.enrolment_id == enrolment.id)
    # One statement: each session with its module, beside each of the members' marks at it (or
    # none) and whether a notice was given in advance for the mark's person and session.
    noticed = exists().where(AbsenceNotice.person_id == Attendance.person_id,
                             AbsenceNotice.session_id == Attendance.session_id)
    sessions, attendance = {}, []
    for session, mark, has_notice in db.session.execute(
        select(Session, Attendance, noticed)
        .outerjoin(Attendance, and_(Attendance.session_id == Session.id,
                                    Attendance.person_id.in_(member_ids)))
        .where(Session.of_group(enrolment))
        .options(joinedload(Session.module))
        .order_by(Session.starts_at, Session.id)
    ):
        sessions.setdefault(session.id, session)
        if mark is not None:
            mark.excused_in_advance = mark.status is AttendanceStatus.EXCUSED and bool(has_notice)
            attendance.append(mark)
    return list(sessions.values()), {(a.person_id, a.session_id): a for a in attendance}


def grid_members(memberships: Iterable[Membership]) -> list[Membership]:
    """The members a group's attendance grid has a column for: those whose role is expected at
    sessions (`EXPECTED_ROLES`), in the order given. The contact person has no marks to show."""
    return [membership for membership in memberships if membership.role in EXPECTED_ROLES]


def expectable_memberships(cohort_ids: Iterable[int] | None = None) -> Select[tuple[Membership]]:
    """Top leaders' and members' memberships of the groups taking part in these cohorts (in
    every cohort by default), with person and group loaded: everyone who may be expected at
    the cohorts' sessions; `expected_memberships` picks by the session's group and day."""
    query = (
        select(Membership)
        .join(Membership.enrolment)
        .where(Enrolment.is_taking_part, Membership.role.in_(EXPECTED_ROLES))
        # Each membership has one person: joined; the groups (far fewer than the members) in a
        # second statement with their organisations joined. Selected, not contains_eager, so a
        # caller may add its own loading below the group (tracker/reminders/services.py does).
        .options(
            joinedload(Membership.person),
            selectinload(Membership.enrolment).joinedload(Enrolment.organisation),
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
    withdrawn, who belong to it on the session's day (`belongs_on`). Contacts are not expected.

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
        and belongs_on(membership, day, session.cohort.start_date)
    ]


def belongs_on(membership: Membership, day: date, cohort_start: date) -> bool:
    """Whether a membership makes its person part of the group on `day`: from the day they
    joined to the day they left (that day included, as everywhere in the programme).

    Someone who joined on or before the cohort's start belongs from its very first session,
    even one held before the start date (a kick-off the week before): the membership dates
    say when they were enrolled, not that they were to miss the kick-off."""
    joined_in_time = membership.joined_on <= cohort_start or membership.joined_on <= day
    return joined_in_time and membership.not_left_by(day)


def expected_people(session: Session, memberships: Iterable[Membership] | None = None) -> list[Person]:
    """Top leaders and members of the session's groups (all the cohort's for a joint session)
    who belong to their group on the session's first day, and the people added to the session
    alone (`SessionGuest`: a stand-in, a guest; loaded with the session), in a fixed order (by
    email, then id).

    `memberships`: the cohort's, with person and group loaded (the seed passes them, to load
    them once for many sessions); by default they are loaded.
    """
    people = {membership.person for membership in expected_memberships(session, memberships)}
    people |= set(guests_loaded(session))
    return sorted(people, key=lambda person: (person.email or "", person.id))


def guests_loaded(session: Session) -> list[Person]:
    """The session's guests (`Session.guest_people`). When they are not loaded yet, they are
    loaded in one query for every session in the database session that has not loaded them,
    so a run over many sessions (the reminders) asks once, not once per session."""
    if "guest_people" not in inspect(session).unloaded:
        return session.guest_people
    if session.id is None:
        return []
    waiting = {session.id: session}
    for record in db.session.identity_map.values():
        if isinstance(record, Session) and record.id is not None \
                and "guest_people" in inspect(record).unloaded:
            waiting[record.id] = record
    found: dict[int, list[Person]] = {session_id: [] for session_id in waiting}
    for session_id, person in db.session.execute(
        select(SessionGuest.session_id, Person).join(Person, SessionGuest.person_id == Person.id)
        .where(SessionGuest.session_id.in_(list(waiting))).order_by(Person.id)
    ):
        found[session_id].append(person)
    for session_id, record in waiting.items():
        set_committed_value(record, "guest_people", found[session_id])
    return session.guest_people


@dataclass(frozen=True)
class ExpectedPerson:
    """One row of the roster: a person, their group and role (none for a guest added to this
    one session), and what is recorded."""

    person: Person
    membership: Membership | None
    attendance: Attendance | None

    @property
    def is_guest(self) -> bool:
        return self.membership is None

    @property
    def enrolment(self) -> Enrolment | None:
        """The group the person is expected with; None for a guest."""
        return self.membership.enrolment if self.membership else None


def attendance_register(
    session: Session, memberships: Iterable[Membership] | None = None, *, guests: bool = False
) -> list[ExpectedPerson]:
    """Everyone expected at the session with what is recorded for them, by group (organisation
    name), top leader first, then by name; in three queries. `memberships` as for
    `expected_memberships`. With `guests`, the people added to this session alone follow, by
    name (one query more)."""
    by_person: dict[int, Membership] = {}
    for membership in expected_memberships(session, memberships):
        by_person.setdefault(membership.person_id, membership)
    recorded = {
        a.person_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    lines = [ExpectedPerson(m.person, m, recorded.get(person_id)) for person_id, m in by_person.items()]
    lines.sort(key=lambda line: (
        line.membership.enrolment.organisation.name_nb,
        line.membership.role is not MemberRole.TOP_LEADER,
        line.person.name is None, line.person.name or "", line.person.id,
    ))
    if guests:
        added = [ExpectedPerson(person, None, recorded.get(person.id))
                 for person in guests_of(session) if person.id not in by_person]
        lines += sorted(added, key=lambda line: (line.person.name or "", line.person.id))
    return lines


def guests_of(session: Session) -> list[Person]:
    """The people added to this session alone (`SessionGuest`), with their organisation."""
    return list(db.session.scalars(
        select(Person).join(SessionGuest, SessionGuest.person_id == Person.id)
        .where(SessionGuest.session_id == session.id)
        .options(joinedload(Person.organisation))
    ))


def roster_by_group(register: list[ExpectedPerson]) -> list[tuple[Enrolment | None, list[ExpectedPerson]]]:
    """The register's rows in runs of one group each, in the register's order; guests (group
    None) last."""
    runs: list[tuple[Enrolment | None, list[ExpectedPerson]]] = []
    for line in register:
        if runs and runs[-1][0] is line.enrolment:
            runs[-1][1].append(line)
        else:
            runs.append((line.enrolment, [line]))
    return runs


@dataclass(frozen=True)
class Mark:
    """What the form says about one person: a status (None: not recorded) and a note."""

    person_id: int
    status: AttendanceStatus | None
    note: str


# Before a session starts no one can have come or stayed away; a notice of absence is all
# there can be to record.
BEFORE_START = frozenset({AttendanceStatus.EXCUSED})


def record_attendance(session: Session, *, version: object, marks: Iterable[Mark],
                      now: datetime | None = None,
                      memberships: Iterable[Membership] | None = None,
                      everyone_present: bool = False) -> int:
    """Save everyone's attendance at the session at once; return how many records changed.
    `memberships` as for `expected_memberships` (the seed loads a cohort's once). Guests added
    to the session are recorded like members.

    With `everyone_present`, each person on the register with neither a mark nor a record is
    marked present (the rest keep what the marks say).

    Marks the session held when it was planned and has started. Saving changes the session's
    version, so two people filling in the same register cannot overwrite each other.

    :raise ConflictError: when the session changed after the form was opened at `version`.
    :raise DomainError: when a mark names someone not expected at the session (nothing is
        saved), has a note but no status, or is present or absent before the session starts
        (naming that person's status field).
    """
    check_version(session, version)
    now = now or clock.now()
    marks = list(marks)
    register = {line.person.id: line for line in attendance_register(session, memberships, guests=True)}
    strangers = [mark.person_id for mark in marks if mark.person_id not in register]
    if strangers or len({m.person_id for m in marks}) != len(marks):
        raise DomainError(_l("The form names someone who is not expected at this session. "
                             "Nothing is saved: open the form again."))
    started = session.starts_at <= now
    if everyone_present:
        if not started:
            raise DomainError(_l("No one can be marked present before the session starts."))
        marked = {mark.person_id for mark in marks if mark.status is not None}
        marks = [Mark(mark.person_id, AttendanceStatus.PRESENT, mark.note)
                 if mark.status is None and register[mark.person_id].attendance is None
                 else mark for mark in marks]
        named = {mark.person_id for mark in marks}
        marks += [Mark(person_id, AttendanceStatus.PRESENT, "") for person_id, line in register.items()
                  if person_id not in named and person_id not in marked and line.attendance is None]
    for mark in marks:
        line = register[mark.person_id]
        if mark.status is None and mark.note.strip():
            raise DomainError(_l("Choose present, absent or excused to keep a note."),
                              field=f"note_{mark.person_id}")
        recorded = line.attendance.status if line.attendance else None
        if not started and mark.status not in (None, recorded, *BEFORE_START):
            raise DomainError(_l("%(name)s: the session has not started; only a notice of "
                                 "absence (excused) can be recorded before it does.",
                                 name=line.person.name or _l("(erased)")),
                              field=f"status_{mark.person_id}")
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
    if session.status is SessionStatus.PLANNED and started:
        session.status = SessionStatus.HELD
        changed += 1
    elif changed:
        # The register is part of the session: saving it moves the session's version on.
        flag_modified(session, "status")
    db.session.flush()
    return changed


# Guests: someone added to one session


PEOPLE_FOUND_MAX = 20


def people_to_add(session: Session, words: str) -> list[Person]:
    """People whose name or email holds `words` (any case), not yet on the session's roster and
    not erased, by name; at most PEOPLE_FOUND_MAX. Nothing for fewer than two letters."""
    words = " ".join(words.split())
    if len(words) < 2:
        return []
    on_roster = {line.person.id for line in attendance_register(session, guests=True)}
    found = db.session.scalars(
        people(words).where(Person.erased_at.is_(None)).limit(PEOPLE_FOUND_MAX + len(on_roster)))
    return [person for person in found if person.id not in on_roster][:PEOPLE_FOUND_MAX]


def add_guest(session: Session, person_id: object) -> SessionGuest:
    """Add someone who is not expected at the session to its roster, for this session only.

    :raise DomainError: naming `person` when no one (not erased) has that id, or the person is
        on the roster already.
    """
    person = db.session.get(Person, person_id) if isinstance(person_id, int) else None
    if person is None or person.erased_at is not None:
        raise DomainError(_l("Person: choose someone from the search results."), field="person")
    if any(line.person.id == person.id for line in attendance_register(session, guests=True)):
        raise DomainError(_l("Person: %(name)s is on this session's roster already.",
                             name=person.name), field="person")
    guest = SessionGuest(session=session, person=person)
    db.session.add(guest)
    db.session.flush()
    db.session.expire(session, ["guest_people"])
    return guest


def remove_guest(session: Session, person_id: object) -> None:
    """Take a guest off the session's roster, with what was recorded for them there.

    :raise DomainError: naming `person` when the person is not a guest at this session.
    """
    guest = db.session.scalar(select(SessionGuest).where(
        SessionGuest.session_id == session.id, SessionGuest.person_id == person_id)) \
        if isinstance(person_id, int) else None
    if guest is None:
        raise DomainError(_l("Person: this person is not a guest at this session."), field="person")
    recorded = db.session.scalar(select(Attendance).where(
        Attendance.session_id == session.id, Attendance.person_id == person_id))
    if recorded is not None:
        db.session.delete(recorded)
    db.session.delete(guest)
    db.session.flush()
    db.session.expire(session, ["guest_people"])


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
    absent: int = 0  # marked absent: away without a word
    # Marked excused, with a notice of absence given before the session (AbsenceNotice).
    excused_in_advance: int = 0

    @classmethod
    def of(cls, held: int, marks: Iterable[AttendanceStatus | None],
           noticed: Iterable[bool] | None = None) -> "AttendanceTally":
        """The tally of `held` sessions from the marks of everyone expected at them (None
        where nothing is recorded); `noticed`, alongside the marks, says for each whether a
        notice of absence was given before the session (none by default)."""
        marks = list(marks)
        noticed = list(noticed) if noticed is not None else [False] * len(marks)
        return cls(held=held, marked=sum(mark is not None for mark in marks),
                   present=marks.count(AttendanceStatus.PRESENT),
                   absent=marks.count(AttendanceStatus.ABSENT),
                   excused_in_advance=sum(mark is AttendanceStatus.EXCUSED and given
                                          for mark, given in zip(marks, noticed, strict=True)))

    @property
    def excused(self) -> int:
        """Marked excused without a notice given in advance (word sent on the day, or after)."""
        return self.marked - self.present - self.absent - self.excused_in_advance

    @property
    def judged(self) -> int:
        """The marks the share is of: every mark but an absence excused in advance."""
        return self.marked - self.excused_in_advance

    @property
    def share(self) -> float | None:
        """Present of those marked, leaving out absences excused in advance; None when nothing
        is left to judge."""
        return self.present / self.judged if self.judged else None

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
          But a notice of absence given before the session (`excused_in_advance`, perhaps
          with a stand-in) is what the programme asks of a leader who cannot come: it is left
          out of the share, so a group whose leaders give notice is not flagged, while one
          absent twice without a word is.
        - Nothing is judged before MINIMUM_HELD_SESSIONS sessions are held.
        """
        if threshold is None:
            threshold = attendance_threshold()
        share = self.share
        return self.held >= MINIMUM_HELD_SESSIONS and share is not None and share < threshold


def _held_for_group():
    """SQL: the session (`Session`) is held and the group (`Enrolment`) is expected at it: its
    cohort's joint sessions and its own (`Session.is_for_group`)."""
    return and_(Session.cohort_id == Enrolment.cohort_id, Session.status == SessionStatus.HELD,
                or_(Session.enrolment_id.is_(None), Session.enrolment_id == Enrolment.id))


def _undated():
    """SQL: the membership was the group's from the cohort's start and has not ended, so it
    belongs to the group on every session's day (`belongs_on`) whatever the day is."""
    return and_(Membership.joined_on <= Cohort.start_date, Membership.left_on.is_(None))


def attendance_tallies(enrolment_ids: Collection[int]) -> dict[int, AttendanceTally]:
    """Each group's tally over the held sessions it was expected at (`expected_memberships`),
    everyone expected there counted, by group id: two statements however long the registers
    are, none without groups. The groups are taking part (a withdrawn group is expected at
    nothing).

    The registers of the top leaders and members who belonged to the group all along are
    counted in SQL. Whether someone who joined late or left belonged on a session's day
    depends on the day in Oslo, which SQL cannot tell on SQLite: those few members' rows are
    read and judged by `belongs_on`. A held session counts if anyone was expected at it."""
    ids = list(enrolment_ids)
    if not ids:
        return {}
    expected = and_(Membership.enrolment_id == Enrolment.id,
                    Membership.role.in_(EXPECTED_ROLES))
    noticed = exists().where(AbsenceNotice.session_id == Attendance.session_id,
                             AbsenceNotice.person_id == Attendance.person_id)

    def count(status):
        return func.coalesce(func.sum(case((Attendance.status == status, 1), else_=0)), 0)

    held = (select(func.count(Session.id)).where(_held_for_group())
            .correlate(Enrolment).scalar_subquery())
    undated = exists().where(expected, _undated())
    marks = (
        select(Enrolment.id.label("enrolment_id"), func.count(Attendance.id).label("marked"),
               count(AttendanceStatus.PRESENT).label("present"),
               count(AttendanceStatus.ABSENT).label("absent"),
               func.coalesce(func.sum(case((and_(Attendance.status == AttendanceStatus.EXCUSED,
                                                 noticed), 1), else_=0)), 0)
               .label("in_advance"))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Session, _held_for_group())
        .join(Membership, and_(expected, _undated()))
        .join(Attendance, and_(Attendance.session_id == Session.id,
                               Attendance.person_id == Membership.person_id))
        .where(Enrolment.id.in_(ids))
        .group_by(Enrolment.id)
        .subquery()
    )
    counted: dict[int, dict] = {}
    # Everyone there all along was expected at every held session the group was: then the
    # held sessions are all counted; else those where a member who joined late, or left,
    # belonged to the group on the day.
    held_all: dict[int, int | None] = {}
    held_dated: dict[int, set[int]] = defaultdict(set)
    for row in db.session.execute(
        select(Enrolment.id, held.label("held"), undated.label("undated"), marks.c.marked,
               marks.c.present, marks.c.absent, marks.c.in_advance)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(marks, marks.c.enrolment_id == Enrolment.id)
        .where(Enrolment.id.in_(ids))
    ):
        counted[row.id] = {"marked": row.marked or 0, "present": row.present or 0,
                           "absent": row.absent or 0, "excused_in_advance": row.in_advance or 0}
        held_all[row.id] = row.held if row.undated else None
    for membership, session_id, starts_at, cohort_start, status, given in db.session.execute(
        select(Membership, Session.id, Session.starts_at, Cohort.start_date,
               Attendance.status, noticed)
        .join(Enrolment, and_(expected, Enrolment.id.in_(ids)))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Session, _held_for_group())
        .outerjoin(Attendance, and_(Attendance.session_id == Session.id,
                                    Attendance.person_id == Membership.person_id))
        .where(~_undated())
    ):
        if not belongs_on(membership, local_day(starts_at), cohort_start):
            continue
        group = membership.enrolment_id
        held_dated[group].add(session_id)
        if status is not None:
            tally = counted[group]
            tally["marked"] += 1
            tally["present"] += status is AttendanceStatus.PRESENT
            tally["absent"] += status is AttendanceStatus.ABSENT
            tally["excused_in_advance"] += status is AttendanceStatus.EXCUSED and bool(given)
    return {group: AttendanceTally(
                held=len(held_dated[group]) if held_all[group] is None else held_all[group],
                **tally)
            for group, tally in counted.items()}
