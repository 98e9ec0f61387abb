"""One-time links mailed to a user: an invitation to a new account, and a password reset.

A link's secret is `secrets.token_urlsafe(32)` (256 bits); only its SHA-256 is stored
(`AccountLink.token_hash`), so the table opens no account. A link works once, until it expires
(`INVITATION_HOURS`, `PASSWORD_RESET_HOURS`) or is revoked; sending a new link of a purpose
revokes the user's older live ones of that purpose, so only the latest mail works.

Every refusal says the same thing, whether the link never existed, was altered, has expired,
was used, was revoked or belongs to a deactivated account: the reader learns that this link
does not work and what to do, never whose it was.
"""
import hashlib
import logging
import re
import secrets
from datetime import timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, event, inspect, select, update
from sqlalchemy.orm import Session as DatabaseSession

from tracker import clock, security_log
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.urls import absolute_url
from tracker.users.mails import send_invitation_mail, send_reset_mail
from tracker.users.models import AccountLink, AccountStatus, LinkPurpose, User
from tracker.users.services import (
    check_password_policy,
    find_user_by_email,
    set_password,
)

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of [A-Za-z0-9_-]; anything else was not made here.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


class LinkNotWorking(DomainError):
    """The one refusal of a link that does not open anything (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(_l("This link does not work. It may have expired, been used already, "
                            "or been replaced by a newer one. Ask for a new link."))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(purpose: LinkPurpose) -> timedelta:
    config = current_app.config
    if purpose is LinkPurpose.INVITATION:
        return timedelta(hours=config["INVITATION_HOURS"])
    return timedelta(hours=config.get("PASSWORD_RESET_HOURS", 2))


def live_links(user: User) -> Select[tuple[AccountLink]]:
    """`user`'s links that still work, newest first."""
    return (select(AccountLink)
            .where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None),
                   AccountLink.revoked_at.is_(None), AccountLink.expires_at > clock.now())
            .order_by(AccountLink.created_at.desc(), AccountLink.id.desc()))


def revoke_links(user: User, purpose: LinkPurpose | None = None) -> int:
    """Revoke `user`'s live links (of `purpose`, or all); how many."""
    query = update(AccountLink).where(
        AccountLink.user_id == user.id, AccountLink.used_at.is_(None),
        AccountLink.revoked_at.is_(None), AccountLink.expires_at > clock.now())
    if purpose is not None:
        query = query.where(AccountLink.purpose == purpose)
    return db.session.execute(query.values(revoked_at=clock.now())).rowcount


def _changed(user: User, key: str) -> bool:
    return inspect(user).attrs[key].history.has_changes()


@event.listens_for(DatabaseSession, "before_flush")
def _account_changes_end_links(session: DatabaseSession, flush_context, instances) -> None:
    """Links end when what they were for is over, whichever code made the change (a service,
    the command line, the erasure, a sign-in), in the same flush:

    - a deactivated account's live links all stop working;
    - a new password (chosen with a link, on the account page, from the command line) ends
      every live link: a reset link mailed earlier would otherwise undo the change, and an
      account with a password needs no invitation;
    - the first sign-in ends the invitation (an account that has been got into is no longer
      invited).
    """
    for user in [record for record in session.dirty if isinstance(record, User)]:
        if _changed(user, "active") and not user.active:
            reason, purpose = "deactivated", None
        elif _changed(user, "password_hash"):
            reason, purpose = "password_changed", None
        elif _changed(user, "last_sign_in_at") and user.last_sign_in_at is not None:
            reason, purpose = "signed_in", LinkPurpose.INVITATION
        else:
            continue
        with session.no_autoflush:
            if revoke_links(user, purpose):
                security_log.record("account_links_revoked", user_id=user.id, reason=reason)


def issue_link(user: User, purpose: LinkPurpose, *, sent_by: User | None = None
               ) -> tuple[AccountLink, str]:
    """A new link for `user`, flushed, and its secret (for the mail, never stored). The user's
    older live links of the same purpose stop working."""
    revoke_links(user, purpose)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = clock.now()
    link = AccountLink(user=user, purpose=purpose, token_hash=hash_token(token), created_at=now,
                       expires_at=now + lifetime(purpose),
                       created_by_id=sent_by.id if sent_by is not None else None)
    db.session.add(link)
    db.session.flush()
    security_log.record("account_link_issued", user_id=user.id, link_id=link.id,
                        purpose=purpose.value,
                        by_user_id=sent_by.id if sent_by is not None else None)
    return link, token


def link_url(purpose: LinkPurpose, token: str) -> str:
    endpoint = "links.invitation" if purpose is LinkPurpose.INVITATION else "links.reset"
    return absolute_url(endpoint, token=token)


def find_link(token: object, purpose: LinkPurpose) -> AccountLink:
    """The live link of `purpose` this token opens, for an active user.

    :raise LinkNotWorking: for any other token, the same for every reason.
    """
    if not isinstance(token, str) or not _TOKEN_SHAPE.fullmatch(token):
        raise LinkNotWorking()
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == hash_token(token)))
    if (link is None or link.purpose is not purpose or link.used_at is not None
            or link.revoked_at is not None or link.expires_at <= clock.now()
            or not link.user.active
            or (purpose is LinkPurpose.INVITATION and link.user.last_sign_in_at is not None)):
        # An invitation opens only an account nobody has got into yet. (A password chosen or
        # set revokes it too: `_account_changes_end_links`.)
        raise LinkNotWorking()
    return link


def use_link(link: AccountLink) -> None:
    """Mark `link` used, in one conditional UPDATE, so two tabs (or two servers) that found it
    live at the same moment cannot both use it: the second changes no row and is refused.

    :raise LinkNotWorking: when it was used, revoked or expired in the meantime.
    """
    now = clock.now()
    done = db.session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None),
               AccountLink.revoked_at.is_(None), AccountLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise LinkNotWorking()
    link.used_at = now
    db.session.expire(link, ["used_at"])
    security_log.record("account_link_used", user_id=link.user_id, link_id=link.id,
                        purpose=link.purpose.value)


# Invitations


def send_invitation(user: User, *, sent_by: User | None = None) -> tuple[AccountLink, str]:
    """Mail `user` an invitation link (and revoke any earlier one); the link and its secret.

    :raise DomainError: when the account is deactivated, or has been signed in to already or
        has a password (it needs a password reset link then, not an invitation).
    """
    if not user.active:
        raise DomainError(_l("A deactivated user cannot be invited. Activate the account first."))
    if user.status is not AccountStatus.INVITED:
        raise DomainError(_l("This user has signed in already or has a password. Send a "
                             "password reset link instead."))
    link, token = issue_link(user, LinkPurpose.INVITATION, sent_by=sent_by)
    send_invitation_mail(user, link_url(LinkPurpose.INVITATION, token), link.expires_at, sent_by)
    return link, token


def use_invitation(token: str) -> User:
    """Take up the invitation this token opens: the link is used up and its user returned, for
    the caller to sign in (with a password just chosen, or an identity provider's answer).

    :raise LinkNotWorking: when the token opens no live invitation.
    """
    link = find_link(token, LinkPurpose.INVITATION)
    use_link(link)
    return link.user


def accept_invitation(token: str, password: str) -> User:
    """Take up an invitation by choosing a password (held to the policy; a refused password
    leaves the link working)."""
    link = find_link(token, LinkPurpose.INVITATION)
    check_password_policy(password, user=link.user)
    user = use_invitation(token)
    # Their first password, chosen by them a moment ago: no "your password was changed" mail.
    set_password(user, password, event="invitation_accepted", notify=False)
    return user


def welcome_message(provider: str | None = None) -> str:
    """What a person is told once they have taken up their invitation: with a password, or
    with the identity provider whose display name is `provider` (single sign-on's callback
    flashes it, as the invitation page does after a password)."""
    if provider:
        return _("Welcome! You are signed in with %(provider)s. Next time, choose "
                 "%(provider)s on the sign-in page.", provider=provider)
    return _("Welcome! Your password is set.")


def revoke_invitation(user: User) -> int:
    """Make `user`'s live invitation stop working; how many links were revoked."""
    count = revoke_links(user, LinkPurpose.INVITATION)
    if count:
        security_log.record("invitation_revoked", user_id=user.id)
    return count


# Password reset


def send_password_reset(user: User, *, sent_by: User | None = None) -> tuple[AccountLink, str]:
    """Mail `user` a link to choose a new password; the link and its secret.

    :raise DomainError: when the account is deactivated.
    """
    if not user.active:
        raise DomainError(_l("A deactivated user cannot get a password reset link."))
    link, token = issue_link(user, LinkPurpose.PASSWORD_RESET, sent_by=sent_by)
    send_reset_mail(user, link_url(LinkPurpose.PASSWORD_RESET, token), link.expires_at)
    return link, token


def request_password_reset(email: str, *, address: str | None = None) -> None:
    """"Forgot password?": when `email` is the address of an active account that may have one,
    a reset link is issued and its mail queued (flushed); nothing otherwise.

    Called after the reader has been answered (`mail_reset_link_after_answer`): the answer is
    the same page either way, and as fast, so the work done here does not tell that the
    account exists. An account whose invitation an administrator revoked before anyone got in
    gets no link either: revoking locks it until a new invitation.
    `address` is the reader's address tag (tracker.security_log), for the log line."""
    user = find_user_by_email(email)
    if user is None or not user.active or invitation_was_revoked(user):
        security_log.record("password_reset_requested", user_id=None, address=address)
        return
    security_log.record("password_reset_requested", user_id=user.id, address=address)
    link, token = issue_link(user, LinkPurpose.PASSWORD_RESET)
    send_reset_mail(user, link_url(LinkPurpose.PASSWORD_RESET, token), link.expires_at)


def mail_reset_link_after_answer(app: Flask, email: str, address: str | None) -> None:
    """The work of "Forgot password?" once its answer has gone: look the address up, issue the
    link and queue its mail, in an app context and transaction of its own. A failure is
    logged, never told (it would say the account exists)."""
    with app.app_context():
        try:
            request_password_reset(email, address=address)
            db.session.commit()
        except Exception:  # noqa: BLE001  (the reader has their answer; nothing may reach them)
            db.session.rollback()
            logger.exception("Forgot password? failed after the answer")


def invitation_was_revoked(user: User) -> bool:
    """Is `user` invited, and was their latest invitation revoked by an administrator (not
    replaced by a newer one, not used, not just expired)? Then nobody may get in by themselves
    until they are invited again."""
    if user.status is not AccountStatus.INVITED:
        return False
    latest = db.session.scalar(
        select(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.purpose == LinkPurpose.INVITATION)
        .order_by(AccountLink.created_at.desc(), AccountLink.id.desc()).limit(1))
    return latest is not None and latest.revoked_at is not None and latest.used_at is None


def reset_password(token: str, password: str) -> User:
    """Choose a new password with a reset link: the link is used up, every sign-in session and
    API token of the user ends, their other live links stop working (see
    `_account_changes_end_links`), and they get a mail saying their password was changed
    (`set_password`). A refused password leaves the link working."""
    link = find_link(token, LinkPurpose.PASSWORD_RESET)
    check_password_policy(password, user=link.user)
    use_link(link)
    user = link.user
    set_password(user, password, event="password_reset")
    return user
