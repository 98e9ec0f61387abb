"""`flask --app tracker users ...`: manage accounts from the command line."""
import secrets
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.auth.tokens import TOKEN_LIFETIMES_DAYS, new_token
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.roles import Role
from tracker.users.models import User
from tracker.people.services import normalise_email
from tracker.users.services import create_user, deactivate, find_scope_organisation, users_by_email

users_cli = AppGroup("users", help="Manage the tracker's user accounts.")

ROLE_NAMES = [role.value for role in Role]


@users_cli.command("create")
@click.option("--email", required=True, help="The user's email address; they sign in with it.")
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES), help="What the user may do.")
@click.option("--organisation", help="Organisation number or short name: the agency for an agency "
              "leader, the ministry for a ministry viewer.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input "
              "instead of generating one.")
def create_command(email: str, role: str, organisation: str | None, password_stdin: bool) -> None:
    """Create a user. Without --password-stdin a strong password is generated and printed once."""
    scope = None
    if organisation:
        scope = find_scope_organisation(organisation)
        if scope is None:
            raise click.ClickException(f"No organisation has the number or short name {organisation!r}.")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(18)
    try:
        user = create_user(email, password, Role(role), scope)
    except DomainError as error:
        raise click.ClickException(f"{error.field}: {error}") from None
    db.session.commit()
    click.echo(f"Created {user.email} ({role}{', ' + scope.name_nb if scope else ''}).")
    if not password_stdin:
        click.echo(f"Password: {password}")


@users_cli.command("list")
def list_command() -> None:
    """List every user with role, organisation and whether they are active."""
    for user in db.session.scalars(users_by_email()):
        scope = user.organisation.short_label("nb") if user.organisation else "-"
        click.echo(f"{user.email}\t{user.role.value}\t{scope}\t{'active' if user.active else 'deactivated'}")


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
