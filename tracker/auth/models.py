from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.audit.models import Audited
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.fragments import SHOWN
from tracker.users.models import User


class ApiToken(Audited, db.Model):
    """A personal access token for the JSON API (`Authorization: Bearer …`).

    Only a hash is kept: the token is shown once, when it is made. Making and revoking one is
    written to the change log; its use (`last_used_at`) is not, being no change of anyone's data.
    """

    __tablename__ = "api_token"
    # Its notes about itself (last used, last seen) are written on reads and shown on no page's
    # kept piece: writing them keeps the data's generation (tracker/fragments.py).
    __table_args__ = {"info": {SHOWN: False}}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so the owner can tell tokens apart in a list.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Chosen when it is made; none means it works until revoked.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def has_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or clock.now())


class SignInSession(db.Model):
    """One sign-in in one browser: what the session cookie points at.

    The cookie carries a random secret; only its hash is kept here, so the table cannot be used
    to sign in. The record ends (`ended_at`) at sign-out, when it is ended from the account page,
    when the password changes or the user is deactivated, and after too long idle or too long in
    all (tracker.auth.sessions); an ended record signs no one in, whatever cookie comes with it.
    """

    __tablename__ = "sign_in_session"
    # Its notes about itself (last used, last seen) are written on reads and shown on no page's
    # kept piece: writing them keeps the data's generation (tracker/fragments.py).
    __table_args__ = {"info": {SHOWN: False}}

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # A short summary of the browser ("Firefox · Windows"), so the owner can tell them apart.
    device: Mapped[str] = mapped_column(String(60), default="")
    # The client's address as the app sees it behind its trusted proxies.
    address: Mapped[str] = mapped_column(String(45), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the user proved who they are: "password", "password+totp", "recovery_code",
    # "oidc:<provider>" (with "+mfa" when the provider asserted two factors).
    method: Mapped[str] = mapped_column(String(60), default="password")
    # When they last proved it (sign-in, or confirming it again: tracker.auth.recent); erasing
    # a person, changing a role and making a token ask again when this is too old.
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()


class ExternalIdentity(db.Model):
    """An identity at an OpenID provider (ID-porten, Entra ID) linked to a user: the provider's
    name in our configuration and the value of its identifying claim (`pid`, `oid`, `sub`)."""

    __tablename__ = "external_identity"
    __table_args__ = (UniqueConstraint("provider", "subject", name="one_user_per_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    # What the provider said the person is called (e-mail or name), to tell identities apart.
    label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(backref="identities")


class RecoveryCode(db.Model):
    """One of the ten one-time codes that stand in for the authenticator when it is lost;
    only a hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
