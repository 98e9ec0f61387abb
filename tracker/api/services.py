"""Personal access tokens, and what the API reads and changes beyond the features' own rules."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.api.models import ApiToken
from tracker.cohorts.models import Cohort
from tracker.cohorts.services import update_cohort, visible_cohort_ids
from tracker.concurrency import check_version
from tracker.db_types import utcnow
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment, Membership, Person
from tracker.organisations.models import Organisation
from tracker.schedule.models import AttendanceStatus, Session
from tracker.schedule.services import Mark, attendance_register, record_attendance
from tracker.users.models import User

if TYPE_CHECKING:
    from tracker.extensions import Base

T = TypeVar("T", bound="Base")

TOKEN_NAME_MAX = 100
# How much of a token is kept in clear, so its owner can tell their tokens apart.
TOKEN_PREFIX_LENGTH = 8


# Tokens


def hash_token(secret: str) -> str:
    """What is stored of a token: its SHA-256, in hex. The token itself is never stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a personal access token for `user`; return it with its secret, to show once.

    :raise DomainError: when the name is empty or longer than 100 characters (field `name`),
        or the user is deactivated (field `user`).
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the token a name."), field="name")
    if len(name) > TOKEN_NAME_MAX:
        raise DomainError(_l("The name can be at most %(n)s characters.", n=TOKEN_NAME_MAX),
                          field="name")
    if not user.active:
        raise DomainError(_l("A deactivated user cannot have new tokens."), field="user")
    secret = secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(secret),
                     prefix=secret[:TOKEN_PREFIX_LENGTH])
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke(token: ApiToken, now: datetime | None = None) -> bool:
    """Stop a token working from now on; False when it was revoked already."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    db.session.flush()
    return True


def token_for(secret: str) -> ApiToken | None:
    """The token with this secret, with its user, if it is not revoked and its user is active."""
    return db.session.scalar(
        select(ApiToken)
        .join(ApiToken.user)
        .where(
            ApiToken.token_hash == hash_token(secret),
            ApiToken.revoked_at.is_(None),
            User.active.is_(True),
        )
        .options(contains_eager(ApiToken.user))
    )


def note_use(token: ApiToken, *, resolution: timedelta, now: datetime | None = None) -> bool:
    """Note that the token was used now, unless that was noted less than `resolution` ago;
    True when it changed."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < resolution:
        return False
    token.last_used_at = now
    db.session.flush()
    return True


def tokens_of(user: User) -> Select[tuple[ApiToken]]:
    """The user's tokens, newest first, revoked ones included."""
    return (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )


def get_token_or_404(token_id: int, for_user: User) -> ApiToken:
    """The user's own token with this id.

    :raise 404: when there is none, or it is someone else's (even an admin's own page shows
        only their own tokens).
    """
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != for_user.id:
        abort(404)
    return token


# What each role reads


def cohorts_for(user: User) -> Select[tuple[Cohort]]:
    """The cohorts the user may see (staff: all; others: those an organisation in their scope
    takes part in), oldest first."""
    query = select(Cohort).order_by(Cohort.start_date, Cohort.ordinal, Cohort.id)
    if not user.is_staff:
        query = query.where(Cohort.id.in_(visible_cohort_ids(user)))
    return query


def organisations_for(user: User) -> Select[tuple[Organisation]]:
    """The organisations in the user's scope, by name."""
    return (
        select(Organisation)
        .where(user.organisation_filter())
        .order_by(Organisation.name_nb, Organisation.id)
    )


def enrolments_for(user: User, cohort: Cohort | None = None) -> Select[tuple[Enrolment]]:
    """The leadership groups of organisations in the user's scope, of one cohort or all;
    by cohort start, then organisation name."""
    query = (
        select(Enrolment)
        .join(Enrolment.cohort)
        .join(Enrolment.organisation)
        .where(user.organisation_filter())
        .order_by(Cohort.start_date, Organisation.name_nb, Enrolment.id)
    )
    if cohort is not None:
        query = query.where(Enrolment.cohort_id == cohort.id)
    return query


def sessions_for(user: User, cohort: Cohort | None = None) -> Select[tuple[Session]]:
    """The sessions the user may see, of one cohort or all, in time order, with module loaded:
    the joint sessions of their cohorts and the sessions of the groups in their scope."""
    query = select(Session).options(selectinload(Session.module)).order_by(
        Session.starts_at, Session.id
    )
    if cohort is not None:
        query = query.where(Session.cohort_id == cohort.id)
    if not user.is_staff:
        groups_in_scope = (
            select(Enrolment.id).join(Enrolment.organisation).where(user.organisation_filter())
        )
        query = query.where(or_(
            and_(Session.enrolment_id.is_(None), Session.cohort_id.in_(visible_cohort_ids(user))),
            Session.enrolment_id.in_(groups_in_scope),
        ))
    return query


@dataclass(frozen=True)
class AttendanceLine:
    """One person expected at a session, as a reader may see them."""

    person: Person
    membership: Membership
    status: AttendanceStatus | None
    note: str | None  # None: the reader may not see notes about this group


def attendance_for(session: Session, user: User) -> list[AttendanceLine]:
    """The session's register as `user` may see it: the people of the groups in their scope,
    with notes only where `User.can_see_attendance_notes` allows; in a fixed number of queries."""
    lines = []
    for line in attendance_register(session):
        enrolment = line.membership.enrolment
        if not user.can_view(enrolment):
            continue
        recorded = line.attendance
        note = None
        if user.can_see_attendance_notes(enrolment):
            note = recorded.note if recorded else ""
        lines.append(AttendanceLine(line.person, line.membership,
                                    recorded.status if recorded else None, note))
    return lines


# What coordinators change


def find(model: type[T], record_id: int, field: str) -> T:
    """The record a request body names by id.

    :raise DomainError: naming `field` when there is none.
    """
    record = db.session.get(model, record_id)
    if record is None:
        raise DomainError(_l("Nothing has this id."), field=field)
    return record


COHORT_FACTS = ("label", "ordinal", "season", "year", "start_date", "planned_end", "capacity",
                "notes")


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
