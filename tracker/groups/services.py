"""Rules about leadership groups (enrolments) and their members."""
from datetime import datetime
from typing import TYPE_CHECKING

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.cohorts.models import Cohort
from tracker.db_types import utcnow
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import (
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
    MemberRole,
    Membership,
    Person,
)
from tracker.organisations.models import Organisation

if TYPE_CHECKING:
    from tracker.users.models import User


def enrol(
    cohort: Cohort,
    organisation: Organisation,
    *,
    status: EnrolmentStatus = EnrolmentStatus.INVITED,
    notes: str = "",
    at: datetime | None = None,
) -> Enrolment:
    """Enrol an organisation's leadership group in a cohort, once."""
    already = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.cohort_id == cohort.id, Enrolment.organisation_id == organisation.id
        )
    )
    if already:
        raise DomainError(
            _l("This organisation is already enrolled in this cohort."), field="organisation"
        )
    enrolment = Enrolment(cohort=cohort, organisation=organisation, status=status, notes=notes)
    enrolment.status_history.append(EnrolmentStatusChange(status=status, changed_at=at or utcnow()))
    db.session.add(enrolment)
    return enrolment


def record_status(
    enrolment: Enrolment, status: EnrolmentStatus, *, reason: str = "", at: datetime | None = None
) -> None:
    """Move an enrolment to a new status and keep the step in its history."""
    enrolment.status = status
    enrolment.status_history.append(
        EnrolmentStatusChange(status=status, reason=reason, changed_at=at or utcnow())
    )


def enrolments_of_cohort(cohort: Cohort) -> Select[tuple[Enrolment]]:
    """A cohort's groups by organisation name, with organisation and owning ministry loaded."""
    return (
        select(Enrolment)
        .join(Enrolment.organisation)
        .where(Enrolment.cohort_id == cohort.id)
        .options(
            selectinload(Enrolment.organisation).selectinload(Organisation.owning_ministry)
        )
        .order_by(Organisation.name_nb)
    )


def participation_history(organisation: Organisation) -> Select[tuple[Enrolment]]:
    """An organisation's enrolments, oldest cohort first, with cohort and status history loaded."""
    return (
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(Enrolment.organisation_id == organisation.id)
        .options(
            selectinload(Enrolment.cohort).selectinload(Cohort.programme),
            selectinload(Enrolment.status_history),
        )
        .order_by(Cohort.start_date)
    )


def get_enrolment_or_404(enrolment_id: int, for_user: "User") -> Enrolment:
    """The leadership group with this id, if the user may see it.

    :raise 404: when there is none, or it is outside the user's scope (an outsider cannot tell
        the two apart).
    """
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not for_user.can_view(enrolment):
        abort(404)
    return enrolment


def members_of(enrolment: Enrolment) -> Select[tuple[Membership]]:
    """The group's members, top leader first, then by name, with the person loaded."""
    role_order = case(
        (Membership.role == MemberRole.TOP_LEADER, 0),
        (Membership.role == MemberRole.MEMBER, 1),
        else_=2,
    )
    return (
        select(Membership)
        .join(Membership.person)
        .where(Membership.enrolment_id == enrolment.id)
        .options(contains_eager(Membership.person))
        .order_by(role_order, Person.name, Person.id)
    )
