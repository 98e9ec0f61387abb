from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.people.models import Person
from tracker.organisations.models import Organisation
from tracker.programmes.models import Programme
from tracker.roles import STAFF, Role


class AccountStatus(Labelled):
    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"

    __labels__ = {
        "invited": _l("Invited"),
        "active": _l("Active"),
        "deactivated": _l("Deactivated"),
    }

    @property
    def takes_invitation(self) -> bool:
        """Whether a new invitation may be sent to it: only while nobody has got into it yet
        (an account in use or closed is refused, users.invites.invite_member)."""
        return self is AccountStatus.INVITED


class User(UserMixin, Audited, db.Model):
    """Someone who signs in: Difi staff, an agency leader or ministry staff.

    Agency leaders are scoped to their organisation and ministry viewers to their ministry;
    staff see everything. Which records that covers is each scoped model's to say
    (`visible_to(user)` in SQL, `can_view(user)` for one record), built on
    `Organisation.visible_to`.
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
    # None: no password (an invited user who has not chosen one, or one who signs in only
    # through an identity provider). "!" after erasure. Either way no password opens it.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change, deactivation and a change of role or scope: tracker.auth ends
    # every sign-in session of the account then (and revokes its API tokens, but for a new role).
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set at every sign-in (tracker.auth.sessions.sign_in); None until the first.
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor (TOTP, tracker.auth.two_factor): the authenticator's base32 secret once
    # enrolled, and the last time step a code was accepted for, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column()

    organisation: Mapped[Organisation | None] = relationship()
    person: Mapped[Person | None] = relationship()
    # A coordinator limited to some programmes (issue 14); none: every programme.
    programme_limits: Mapped[list["CoordinatorProgramme"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="CoordinatorProgramme.programme_id"
    )

    # Flask-Login

    # The secret of the sign-in session (tracker.auth.sessions) this user object was loaded
    # through or signed in with; not a column: the database keeps only its hash.
    sign_in_secret = None

    def get_id(self) -> str:
        """What the session cookie carries: the sign-in session's secret, never the user's id,
        so a cookie is worth nothing once its sign-in session has ended.

        :raise RuntimeError: when this user object was not signed in through a sign-in session.
        """
        if not self.sign_in_secret:
            raise RuntimeError("sign in through tracker.auth.sessions.sign_in, not login_user alone")
        return self.sign_in_secret

    def __eq__(self, other: object) -> bool:
        # Flask-Login compares users by get_id(); two objects of one user are the same user.
        return isinstance(other, User) and other.id == self.id

    __hash__ = object.__hash__

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_password(self) -> bool:
        """Can a password open this account? (Not after erasure, nor before one is chosen.)"""
        return bool(self.password_hash) and self.password_hash != "!"

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def status(self) -> "AccountStatus":
        """Invited: active, never signed in, and no password yet, so only the invitation (or an
        identity provider through it) opens the account. An account given a password (the
        command line, the demo, or before sign-ins were recorded, migration 0009) is active."""
        if not self.active:
            return AccountStatus.DEACTIVATED
        if self.last_sign_in_at is None and not self.password_hash:
            return AccountStatus.INVITED
        return AccountStatus.ACTIVE

    # Permissions

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def programme_ids(self) -> frozenset[int] | None:
        """The programmes a coordinator is limited to, or None for all (`tracker.roles.Reader`).

        Loaded once for the user object (one query a request at most: the request's user is
        loaded once), and only for a coordinator: no other role is limited by programme.
        """
        if self.role is not Role.COORDINATOR:
            return None
        return frozenset(limit.programme_id for limit in self.programme_limits) or None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def home_is_own_group(self) -> bool:
        """An agency leader's and a participant's home is their own leadership group
        (groups.mine), not the cohorts."""
        return self.role in (Role.AGENCY, Role.PARTICIPANT)

    def can_view(self, record: object) -> bool:
        """May this user see this record? Each scoped model answers for itself
        (`Organisation.can_view`, `Cohort.can_view`, …); this reads well in templates."""
        return record.can_view(self)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.name}>"


class CoordinatorProgramme(Audited, db.Model):
    """One programme a coordinator is limited to (issue 14). A coordinator with no row sees
    every programme, as every coordinator did before; one with rows sees and changes only
    those programmes' cohorts and what stands on them (`tracker.roles.programme_limit`)."""

    __tablename__ = "coordinator_programme"
    __table_args__ = (UniqueConstraint("user_id", "programme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship(back_populates="programme_limits")
    programme: Mapped[Programme] = relationship()


class LinkPurpose(Labelled):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"

    __labels__ = {
        "invitation": _l("Invitation"),
        "password_reset": _l("Password reset"),
    }


class AccountLink(db.Model):
    """A one-time link mailed to a user: an invitation to a new account, or a password reset.

    Only the SHA-256 of the link's secret is kept, so the table opens no account. A link works
    once (`used_at`), until it expires (`expires_at`) or is revoked (`revoked_at`, also when a
    newer link of the same purpose is sent).
    """

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who sent it: an administrator, or None (the user asked for it, or the command line did).
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
