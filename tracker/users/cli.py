"""`flask --app tracker users ...`: manage accounts from the command line."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from tracker.auth.tokens import TOKEN_LIFETIMES_DAYS, new_token
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.roles import Role
from tracker.users.models import User
from tracker.people.services import normalise_email
from tracker.mail import mail_folder
from tracker.users.links import link_url, send_invitation, send_password_reset
from tracker.users.services import (
    create_user,
    deactivate,
    find_scope_organisation,
    find_user_by_email,
    set_password,
    users_by_email,
)

users_cli = AppGroup("users", help="Manage the tracker's user accounts.")

ROLE_NAMES = [role.value for role in Role]


def read_password() -> str:
    """One line of standard input, without its line ending."""
    return sys.stdin.readline().rstrip("\r\n")


def find_user(email: str) -> User:
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user has the email {email!r}.")
    return user


def refused(error: DomainError) -> click.ClickException:
    with force_locale("en"):
        return click.ClickException(f"{error.field}: {error}" if error.field else str(error))


def echo_link(purpose: str, user: User, link, token: str) -> None:
    """Say where the link went, and print it when mail goes to the folder: there is no mail
    server then (development, a test machine), and the operator is the one who passes it on."""
    click.echo(f"Queued {purpose} to {user.email}, working until {link.expires_at:%Y-%m-%d %H:%M} "
               "UTC; `flask --app tracker mail send` (or the mail worker) sends it.")
    if not current_app.config.get("MAIL_URL"):
        click.echo(f"(No MAIL_URL: mail goes to {mail_folder()}.) Link: {link_url(link.purpose, token)}")


@users_cli.command("create")
@click.option("--email", required=True, help="The user's email address; they sign in with it.")
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES), help="What the user may do.")
@click.option("--organisation", help="Organisation number or short name: the agency or ministry "
              "whose group a group leader (role agency) belongs to, the ministry for a ministry viewer.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input "
              "(for automation and tests) instead of sending an invitation.")
def create_command(email: str, role: str, organisation: str | None, password_stdin: bool) -> None:
    """Create a user and mail them an invitation to choose a password. With --password-stdin
    the password is read from standard input (held to the password policy) and no mail is sent."""
    scope = None
    if organisation:
        scope = find_scope_organisation(organisation)
        if scope is None:
            raise click.ClickException(f"No organisation has the number or short name {organisation!r}.")
    password = read_password() if password_stdin else None
    try:
        user = create_user(email, Role(role), scope, password=password)
        sent = None if password_stdin else send_invitation(user)
    except DomainError as error:
        raise refused(error) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({role}{', ' + scope.name_nb if scope else ''}).")
    if sent:
        echo_link("an invitation", user, *sent)


@users_cli.command("invite")
@click.argument("email")
def invite_command(email: str) -> None:
    """Send a user who has not signed in yet a new invitation; the earlier one stops working."""
    user = find_user(email)
    try:
        sent = send_invitation(user)
    except DomainError as error:
        raise refused(error) from None
    db.session.commit()
    echo_link("an invitation", user, *sent)


@users_cli.command("reset-password")
@click.argument("email", required=False)
@click.option("--email", "email_option", help="The user's email address (or give it as the "
              "argument), as for create.")
@click.option("--password-stdin", is_flag=True, help="Set the password read from standard input "
              "instead of mailing a link.")
def reset_password_command(email: str | None, email_option: str | None,
                           password_stdin: bool) -> None:
    """Mail a user a link to choose a new password; or, with --password-stdin, set the one read
    from standard input. Either way, once the password changes, every sign-in and API token of
    the user ends."""
    if bool(email) == bool(email_option):
        raise click.UsageError("Give the user's email address once: as the argument or --email.")
    user = find_user(email or email_option)
    try:
        if password_stdin:
            set_password(user, read_password(), event="password_set_by_operator")
        else:
            sent = send_password_reset(user)
    except DomainError as error:
        raise refused(error) from None
    db.session.commit()
    if password_stdin:
        click.echo(f"Set a new password for {user.email}; their sign-ins and API tokens are ended.")
    else:
        echo_link("a password reset link", user, *sent)


@users_cli.command("list")
def list_command() -> None:
    """List every user with role, organisation and status (invited, active, deactivated)."""
    for user in db.session.scalars(users_by_email()):
        scope = user.organisation.short_label("nb") if user.organisation else "-"
        click.echo(f"{user.email}\t{user.role.value}\t{scope}\t{user.status.value}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Stop a user signing in; they are signed out at their next request."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user has the email {email!r}.")
    deactivate(user)
    db.session.commit()
    click.echo(f"Deactivated {user.email}.")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="Command line", show_default=True,
              help="What the token is for, shown on the user's account page.")
@click.option("--days", type=click.Choice([str(d) for d in TOKEN_LIFETIMES_DAYS if d]),
              help="How many days the token works; without it, until it is revoked.")
def token_command(email: str, name: str, days: str | None) -> None:
    """Make a personal access token for the JSON API and print it once."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user has the email {email!r}.")
    if not user.active:
        raise click.ClickException(f"{user.email} is deactivated: a deactivated user gets no tokens.")
    try:
        token, secret = new_token(user, name, int(days) if days else None)
    except DomainError as error:
        raise click.ClickException(f"{error.field}: {error}") from None
    db.session.commit()
    expiry = f", working until {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
    click.echo(f"Made the token {token.name!r} for {user.email}{expiry}. It is shown only this once:")
    click.echo(f"Token: {secret}")
