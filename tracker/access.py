"""Who may use which page: one table for every endpoint, checked before every request.

Role checks happen here. Object checks (is this cohort, group or organisation in the user's
scope?) happen in the loaders each view calls, through `User.can_view`; the `scope` column says
which one, so the table is the whole answer to "who can reach this?".

An endpoint missing from the table is refused for everyone, and the access test fails for it.
"""
from dataclasses import dataclass

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from tracker.users.models import STAFF, Role

EVERYONE = None  # anonymous visitors too
SIGNED_IN = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role] | None
    scope: str = "none"  # which object check the view makes: none, cohort, organisation, enrolment


ACCESS: dict[str, Rule] = {
    "static": Rule(EVERYONE),
    "health.healthz": Rule(EVERYONE),
    "language.choose": Rule(EVERYONE),
    "auth.login": Rule(EVERYONE),
    "auth.logout": Rule(SIGNED_IN),
    "auth.change_password": Rule(SIGNED_IN),
    "programmes.home": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    "cohorts.detail": Rule(SIGNED_IN, scope="cohort"),
    "organisations.index": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    "organisations.detail": Rule(SIGNED_IN, scope="organisation"),
    "groups.detail": Rule(SIGNED_IN, scope="enrolment"),
    "audit.programme": Rule(STAFF),
    "audit.cohort": Rule(STAFF, scope="cohort"),
    "audit.enrolment": Rule(STAFF, scope="enrolment"),
    "people.index": Rule(STAFF),
    "people.detail": Rule(STAFF, scope="person"),
    "people.export": Rule(STAFF, scope="person"),
    "people.erase": Rule(STAFF, scope="person"),
    "users.index": Rule(ADMINS),
    "users.create": Rule(ADMINS),
    "users.edit": Rule(ADMINS, scope="user"),
    # Programme, course plan, assessment dimensions; people and memberships
    # Cohorts and enrolments
    # Schedule and attendance
    # Progress, assessments and what needs attention
    # Organisations and the register import
}


def check_access():
    """Refuse the request unless the table lets this user use the endpoint."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no such page: the 404 handler answers
    rule = ACCESS.get(endpoint)
    if rule is None:
        current_app.logger.error("Endpoint %s has no entry in the access table", endpoint)
        abort(403)
    if rule.roles is EVERYONE:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in rule.roles:
        abort(403)
    return None


def register(app: Flask) -> None:
    app.before_request(check_access)
