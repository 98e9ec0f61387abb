"""Personal access tokens, and what the API reads and changes beyond the features' own rules."""
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker.cohorts.models import Cohort
from tracker.cohorts.services import update_cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import Membership, Person
from tracker.organisations.models import Organisation
from tracker.reports.services import (
    ORGANISATIONS_PER_PAGE,
    OrganisationState,
    SectorState,
    SectorSummary,
    organisation_page,
)
from tracker.schedule.models import AttendanceStatus, Session
from tracker.schedule.attendance import Mark, attendance_register, record_attendance
from tracker.roles import Reader
from tracker.users.models import User

if TYPE_CHECKING:
    from tracker.extensions import Base

T = TypeVar("T", bound="Base")

# What each role reads


def cohorts_for(user: User) -> Select[tuple[Cohort]]:
    """The cohorts the user may see (staff: all; others: those an organisation in their scope
    takes part in), oldest first."""
    return (
        select(Cohort)
        .where(Cohort.visible_to(user))
        .order_by(Cohort.start_date, Cohort.ordinal, Cohort.id)
    )


def organisations_for(user: User) -> Select[tuple[Organisation]]:
    """The organisations in the user's scope, by name."""
    return (
        select(Organisation)
        .where(Organisation.visible_to(user))
        .order_by(Organisation.name_nb, Organisation.id)
    )


def enrolments_for(user: User, cohort: Cohort | None = None) -> Select[tuple[Enrolment]]:
    """The leadership groups of organisations in the user's scope, of one cohort or all;
    by cohort start, then organisation name."""
    query = (
        select(Enrolment)
        .join(Enrolment.cohort)
        .join(Enrolment.organisation)
        .where(Enrolment.visible_to(user))
        .order_by(Cohort.start_date, Organisation.name_nb, Enrolment.id)
    )
    if cohort is not None:
        query = query.where(Enrolment.cohort_id == cohort.id)
    return query


def sessions_for(user: User, cohort: Cohort | None = None) -> Select[tuple[Session]]:
    """The sessions the user may see, of one cohort or all, in time order, with module loaded:
    the joint sessions of their cohorts and the sessions of the groups in their scope."""
    query = (
        select(Session)
        .where(Session.visible_to(user))
        .options(selectinload(Session.module))
        .order_by(Session.starts_at, Session.id)
    )
    if cohort is not None:
        query = query.where(Session.cohort_id == cohort.id)
    return query


@dataclass(frozen=True)
class SectorPage:
    """A sector's figures (`sector_summary`: counted by the database) and one page of its
    organisations, each with its history: what the API's sector overview answers."""

    ministry: Organisation | None
    today: date
    total: int
    completed: int
    completed_share: int
    counts: dict[SectorState, int]
    organisations: list[OrganisationState]


def sector_page(summary: SectorSummary, first: int, size: int) -> SectorPage:
    """The summary with its sector's organisations `first` to `first + size - 1` (from 0) in
    the overview's order, read through the report's own pages (`organisation_page`, one
    statement each): a page of the API spans two of them at most when `size` is at most
    ORGANISATIONS_PER_PAGE, three at most when it is twice that."""
    rows: list[OrganisationState] = []
    start = first // ORGANISATIONS_PER_PAGE + 1
    for number in range(start, (first + size - 1) // ORGANISATIONS_PER_PAGE + 2):
        page = organisation_page(summary, number)
        if page is None:
            break
        rows.extend(page.rows)
    skipped = first - (start - 1) * ORGANISATIONS_PER_PAGE
    return SectorPage(summary.ministry, summary.today, summary.total, summary.completed,
                      summary.completed_share, summary.counts, rows[skipped:skipped + size])


@dataclass(frozen=True)
class AttendanceLine:
    """One person expected at a session, as a reader may see them."""

    person: Person
    membership: Membership
    status: AttendanceStatus | None
    note: str | None  # None: the reader may not see notes about this group


def attendance_for(session: Session, user: User) -> list[AttendanceLine]:
    """The session's register as `user` may see it: the people of the groups in their scope,
    with notes only where `Enrolment.shows_attendance_notes_to` allows; in a fixed number of queries."""
    lines = []
    for line in attendance_register(session):
        enrolment = line.membership.enrolment
        if not enrolment.can_view(user):
            continue
        recorded = line.attendance
        note = None
        if enrolment.shows_attendance_notes_to(user):
            note = recorded.note if recorded else ""
        lines.append(AttendanceLine(line.person, line.membership,
                                    recorded.status if recorded else None, note))
    return lines


# What coordinators change


def find(model: type[T], record_id: int, field: str, for_user: Reader | None = None) -> T:
    """The record a request body names by id; with `for_user`, only one they may see
    (`can_view`: a coordinator limited to some programmes names no other programme's).

    :raise DomainError: naming `field` when there is none, or it is outside the user's scope
        (the two are not told apart).
    """
    record = db.session.get(model, record_id)
    if record is None or (for_user is not None and not record.can_view(for_user)):
        raise DomainError(_l("Nothing has this id."), field=field)
    return record


COHORT_FACTS = ("label", "ordinal", "season", "year", "start_date", "planned_end", "capacity",
                "participant_information", "notes")


def change_cohort(cohort: Cohort, *, version: object, changes: dict[str, object]) -> None:
    """Change the cohort's facts that `changes` names; the others stay as they are (a planned
    end or capacity given as None takes the programme's again).

    :raise ConflictError: when `version` is not the cohort's current version.
    :raise DomainError: as `update_cohort` says.
    """
    check_version(cohort, version)
    values = {name: getattr(cohort, name) for name in COHORT_FACTS}
    values.update(changes)
    update_cohort(cohort, version=version, **values)


@dataclass(frozen=True)
class AttendanceMark:
    """What a request says about one person at a session."""

    person_id: int
    status: AttendanceStatus
    note: str = ""


def record_marks(session: Session, *, version: object, marks: list[AttendanceMark]) -> None:
    """Save the attendance of the people `marks` names; others keep what is recorded.

    :raise ConflictError: when `version` is not the session's current version.
    :raise DomainError: naming `attendance.<n>.person` when the n-th mark (from 0) names
        someone not expected at the session or named before; nothing is saved then.
    """
    check_version(session, version)
    expected = {line.person.id for line in attendance_register(session)}
    seen: set[int] = set()
    for index, mark in enumerate(marks):
        if mark.person_id not in expected:
            raise DomainError(_l("This person is not expected at this session."),
                              field=f"attendance.{index}.person")
        if mark.person_id in seen:
            raise DomainError(_l("This person is named more than once."),
                              field=f"attendance.{index}.person")
        seen.add(mark.person_id)
    record_attendance(session, version=version,
                      marks=[Mark(m.person_id, m.status, m.note) for m in marks])
