"""The mails an account gets: an invitation, a password reset link, and the notice that its
password was changed; each queued in the outbox with the change that causes it.

Accounts have no language of their own (as for reminders), and these mails reach people before
they have chosen one in the app, some of whom read no Norwegian (a coordinator from abroad, an
operator's test account). So each is written in bokmål, the app's language, with the same text
in English below it: nobody has to guess, and nothing waits for a language column.
"""
import logging
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker import mail
from tracker.i18n import when
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue
from tracker.users.models import User

logger = logging.getLogger(__name__)

MAIL_LANGUAGES = ("nb", "en")


def _compose(recipient: User, subject: Callable[[], str], template: str, **context) -> EmailMessage:
    """One message to `recipient` holding `template` in each of MAIL_LANGUAGES, bokmål first."""
    subjects, bodies = [], []
    for language in MAIL_LANGUAGES:
        with force_locale(language):
            subjects.append(subject())
            bodies.append(render_template(template, language=language, **context).strip())
    message = EmailMessage()
    message["Subject"] = mail.header_text(" / ".join(dict.fromkeys(subjects)))
    message["To"] = mail.address(None, recipient.email)
    message.set_content(("\n\n" + "-" * 40 + "\n\n").join(bodies) + "\n")
    return message


def send_invitation_mail(user: User, url: str, expires_at: datetime, sent_by: User | None) -> None:
    queue(_compose(
        user, lambda: _("Your account in the tracker of the Programme for top-management groups"),
        "links/mail/invitation.txt.html", user=user, url=url,
        expires=lambda: when(expires_at), sent_by=sent_by.email if sent_by else None,
    ), kind=MailKind.ACCOUNT_INVITATION)


def send_reset_mail(user: User, url: str, expires_at: datetime) -> None:
    queue(_compose(
        user, lambda: _("Choose a new password for the tracker"),
        "links/mail/password_reset.txt.html", user=user, url=url,
        expires=lambda: when(expires_at),
    ), kind=MailKind.PASSWORD_RESET)


def send_password_changed_mail(user: User, forgot_url: str) -> None:
    """Tell `user` their password was changed. Best effort: an address that cannot be written
    in a header is logged, and the change stays made."""
    try:
        queue(_compose(
            user, lambda: _("Your password for the tracker was changed"),
            "links/mail/password_changed.txt.html", user=user, forgot_url=forgot_url,
        ), kind=MailKind.PASSWORD_CHANGED)
    except (mail.MailError, ValueError) as error:
        logger.error("Password-changed notice not queued: %s", error)
