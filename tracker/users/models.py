import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, String, exists, or_, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.cohorts.models import Cohort
from tracker.db_types import UTCDateTime, enum_column
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import Person
from tracker.organisations.models import Organisation
from tracker.schedule.models import Session


class Role(enum.Enum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    AGENCY = "agency"
    MINISTRY = "ministry"


STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})


class User(UserMixin, db.Model):
    """Someone who signs in: Difi staff, an agency leader or ministry staff.

    Agency leaders are scoped to their organisation and ministry viewers to their ministry;
    staff see everything. The `can_*` methods are the one place that says who may see what,
    so views, templates and queries ask the same question.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(role IN ('AGENCY', 'MINISTRY')) = (organisation_id IS NOT NULL)",
            name="scoped_roles_have_an_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change and deactivation: every session signed in before is void.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    organisation: Mapped[Organisation | None] = relationship()
    person: Mapped[Person | None] = relationship()

    # Flask-Login

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    # Permissions

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def in_scope(self, organisation_id: int | None, owning_ministry_id: int | None) -> bool:
        """Whether an organisation (given by its id and owner's id) lies in this user's scope."""
        if self.is_staff:
            return True
        if organisation_id is None:
            return False
        if self.role is Role.AGENCY:
            return organisation_id == self.organisation_id
        return self.organisation_id in (organisation_id, owning_ministry_id)

    def organisation_filter(self) -> ColumnElement[bool]:
        """`in_scope` as a SQL condition on `Organisation`, for lists."""
        if self.is_staff:
            return true()
        if self.role is Role.AGENCY:
            return Organisation.id == self.organisation_id
        return or_(
            Organisation.id == self.organisation_id,
            Organisation.owning_ministry_id == self.organisation_id,
        )

    def can_view(self, record: object) -> bool:
        """May this user see this record's page?"""
        if self.is_staff:
            return True
        if isinstance(record, Organisation):
            return self.in_scope(record.id, record.owning_ministry_id)
        if isinstance(record, Enrolment):
            return self.can_view(record.organisation)
        if isinstance(record, Cohort):
            # One query, not one per group: does an organisation in scope take part?
            return bool(db.session.scalar(select(exists().where(
                Enrolment.cohort_id == record.id,
                Enrolment.organisation_id == Organisation.id,
                self.organisation_filter(),
            ))))
        if isinstance(record, Session):
            return self.can_view(record.enrolment if record.enrolment else record.cohort)
        return False

    def can_see_attendance_notes(self, enrolment: Enrolment) -> bool:
        """Notes about someone's absence are for the coordinators and the group's own leaders."""
        return self.is_staff or (
            self.role is Role.AGENCY and enrolment.organisation_id == self.organisation_id
        )

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.name}>"
