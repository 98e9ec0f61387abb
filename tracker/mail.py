"""Sending mail: over SMTP when `MAIL_URL` is set, else into a folder of .eml files.

`MAIL_URL` is `smtp://user:password@host:port` (plain, upgraded with STARTTLS whenever the
server offers it; port 25 by default) or `smtps://user:password@host:port` (TLS from the start;
port 465 by default). User and password are optional and percent-encoded. A password is never
sent in the clear: with a user in `smtp://`, a server that offers no STARTTLS is refused before
signing in, unless it is on this machine (a loopback address: a local relay, or a test's
server), where the password crosses no network. Without `MAIL_URL` every message is written to
`MAIL_FOLDER` (default: instance/mail), which counts as sent: a development machine or a test
run then needs no mail server.

Headers are made from stored text (names, module names, cohort labels); `address()` and
`header_text()` make that text safe for a header, and `send()` refuses a message whose headers
still hold a line break or control character, so no stored text can add a header or break the
message.
"""
import ipaddress
import os
import smtplib
import ssl
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import idna

from flask import current_app
from tracker import clock
from tracker.bounds import has_control_characters, printable


# How long to wait for the mail server before giving up on a message (seconds).
SMTP_TIMEOUT = 30


class MailError(Exception):
    """The message was not accepted: the server is down, refused it, or the folder is not
    writable. Nothing about the message may be recorded as sent."""


class MailSettingsError(MailError):
    """MAIL_URL or MAIL_FROM cannot be used as they are: no message will go until they change."""


def mail_language() -> str:
    """The language every mail is written in. People and accounts have no language of their
    own yet, so everyone is written to in the app's default, bokmål."""
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def header_text(text: str) -> str:
    """Stored text made fit for a header such as Subject: line breaks become spaces and other
    control characters go, so the text cannot start a header of its own."""
    return printable(text).strip()


def address(name: str | None, email: str) -> Address:
    """`Name <email>` for a To or From header, the name made fit by `header_text`.

    :raise ValueError: when the email address itself cannot be written in a header (a line
        break or control character in it, or no address at all).
    """
    if not email or has_control_characters(email):
        raise ValueError(f"not a usable email address: {printable(email or '')!r}")
    try:
        return Address(display_name=header_text(name or ""), addr_spec=ascii_address(email))
    except (IndexError, TypeError, ValueError, HeaderParseError) as error:
        raise ValueError(f"not a usable email address: {email!r}") from error


def ascii_address(email: str) -> str:
    """`email` as a header carries it: a domain in letters beyond a-z in its IDNA form
    (ola@bærum.kommune.no -> ola@xn--brum-voa.kommune.no). Python would otherwise write the
    domain as an encoded word (=?utf-8?q?...?=), which no mail server reads as an address.

    :raise ValueError: when the part before the @ is not ASCII (that needs SMTPUTF8, which
        is not sent), or the domain cannot be written in IDNA.
    """
    local, at, domain = email.rpartition("@")
    if not at or not local.isascii():
        raise ValueError(f"not a usable email address: {email!r}")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise ValueError(f"not a usable email address: {email!r}") from error
    return f"{local}@{domain}"


def send(message: EmailMessage) -> None:
    """Hand `message` to the mail server, or write it to the mail folder, on a connection of
    its own (the outbox sends many over one: `connection()`).

    :raise MailError: when the message was not accepted.
    """
    prepare(message)
    with connection() as outgoing:
        outgoing.send(message)


def prepare(message: EmailMessage) -> EmailMessage:
    """Fill in From (`MAIL_FROM`), Date and Message-ID when the message has none, and check its
    headers. The outbox prepares a message when it is queued, so every try sends the same
    Message-ID (a receiver can drop a copy that was sent again).

    :raise MailError: when a header holds a line break or control character.
    :raise MailSettingsError: when MAIL_FROM cannot be a From header.
    """
    _complete(message)
    _check_headers(message)
    return message


class PermanentMailError(MailError):
    """The server refused the message for good (a 5xx reply: no such recipient, message
    refused): trying again will not help."""


def _complete(message: EmailMessage) -> None:
    sender = current_app.config["MAIL_FROM"]
    if "From" not in message:
        try:
            message["From"] = sender
        except ValueError as error:
            raise MailSettingsError(f"MAIL_FROM cannot be a From header: {error}") from None
    if "Date" not in message:
        message["Date"] = format_datetime(clock.now())
    if "Message-ID" not in message:
        domain = parseaddr(sender)[1].rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(domain=domain)


def _check_headers(message: EmailMessage) -> None:
    """:raise MailError: when a header holds a line break or a control character (after
    folding is undone), which could add a header or break the message."""
    for name, value in message.items():
        if has_control_characters(str(value).replace("\r\n ", " ").replace("\n ", " ")):
            raise MailError(f"the {name} header holds a line break or control character")


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: a connection to it crosses no network."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """:raise MailSettingsError: when MAIL_URL is not an smtp:// or smtps:// address."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailSettingsError(
            f"MAIL_URL must look like smtp://host:port or smtps://host:port, not {parts.scheme}://…")


@contextmanager
def connection() -> Iterator["Connection"]:
    """A way out for several messages: one SMTP session when MAIL_URL is set, else the mail
    folder. Opening it connects (and signs in); the session is closed at the end.

    :raise MailError: when the server cannot be reached or refuses to talk.
    :raise MailSettingsError: when MAIL_URL cannot be used, or would send a password in clear.
    """
    url = current_app.config.get("MAIL_URL")
    if not url:
        yield FolderConnection(mail_folder())
        return
    check_url(url)
    parts = urlsplit(url)
    try:
        if parts.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, timeout=SMTP_TIMEOUT,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=SMTP_TIMEOUT)
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(_describe(error)) from error
    try:
        try:
            smtp.ehlo()
            if parts.scheme == "smtp" and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif parts.scheme == "smtp" and parts.username and not is_loopback(parts.hostname):
                raise MailSettingsError(
                    f"MAIL_URL has a user and password, but the mail server at "
                    f"{parts.hostname}:{parts.port or 25} offers no STARTTLS: the password is "
                    "not sent in the clear. Use smtps://, or a server that offers STARTTLS.")
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(_describe(error)) from error
        yield SMTPConnection(smtp)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class Connection:
    def send(self, message: EmailMessage) -> None:
        """:raise MailError: when the message was not accepted (`PermanentMailError` when
        trying again cannot help)."""
        raise NotImplementedError


class SMTPConnection(Connection):
    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp

    def send(self, message: EmailMessage) -> None:
        _check_headers(message)
        try:
            refused = self.smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                smtplib.SMTPSenderRefused) as error:
            permanent = _is_permanent(error)
            raise (PermanentMailError if permanent else MailError)(_describe(error)) from error
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(_describe(error)) from error
        if refused:
            # Some recipients were accepted and some not: a message with one recipient never
            # gets here, but say so rather than count it as delivered to everyone.
            raise MailError(f"refused recipients: {', '.join(sorted(refused))}")


def _is_permanent(error: smtplib.SMTPException) -> bool:
    """Whether the server's reply was a 5xx (for every recipient, when it names them)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    return 500 <= getattr(error, "smtp_code", 0) < 600


class FolderConnection(Connection):
    def __init__(self, folder: str):
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        _check_headers(message)
        _write_to_folder(message, self.folder)


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "refused recipients: " + ", ".join(
            f"{address} ({code} {reply.decode(errors='replace')})"
            for address, (code, reply) in sorted(error.recipients.items())
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
    return str(error) or type(error).__name__


def mail_folder() -> str:
    return current_app.config.get("MAIL_FOLDER") or os.path.join(current_app.instance_path, "mail")


def _write_to_folder(message: EmailMessage, folder: str) -> None:
    """Write the message as `<UTC time>-<random>.eml`; written under a temporary name first,
    so a reader of the folder never sees half a message."""
    name = f"{clock.now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
    path = os.path.join(folder, name)
    try:
        os.makedirs(folder, exist_ok=True)
        with open(path + ".tmp", "wb") as file:
            file.write(message.as_bytes())
        os.replace(path + ".tmp", path)
    except OSError as error:
        raise MailError(str(error)) from error
