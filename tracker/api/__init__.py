"""The JSON API at /api/v1: personal access tokens, and the programme's records as JSON.

Every answer under /api/ that is not a success is a problem document (RFC 9457,
`application/problem+json`) with `type`, `title`, `status` and `detail`; a validation problem
adds `errors`, naming each field at fault.
"""
from flask import Flask

from tracker.problems import API_PREFIX, PROBLEM, is_api_request, problem  # noqa: F401

# Re-exported for the API's modules and callers that speak of the API.
PREFIX = API_PREFIX


API_DESCRIPTION = (
    "The programme's cohorts, organisations, leadership groups (enrolments), sessions and "
    "attendance as JSON.\n\n"
    "**Signing in.** Send `Authorization: Bearer <token>` with a personal access token, made "
    "on your account page (`/account`) and shown once. The session cookie is never accepted. "
    "A missing, wrong or revoked token, or one whose user is deactivated, gets 401. While "
    "two-factor sign-in is required for staff, a staff member's token gets 403 until they "
    "have set it up in the pages.\n\n"
    "**Scope.** Every role reads what its pages show: coordinators and administrators "
    "everything; an agency leader their organisation, its groups, the cohorts it takes part "
    "in and their joint sessions; a ministry viewer their ministry and the agencies under it. "
    "A record outside your scope answers 404, as if it did not exist. Only coordinators and "
    "administrators write (others get 403).\n\n"
    "**Times** are ISO 8601 instants in UTC (`2017-03-06T08:00:00+00:00`); dates are "
    "`YYYY-MM-DD`.\n\n"
    "**Lists** are paginated: `page` (from 1) and `page_size` (1 to 100, 20 by default); the "
    "`X-Pagination` header has `total`, `total_pages`, `first_page`, `last_page` and the "
    "neighbouring pages. Page 1 of an empty list is `[]`; a page past the last is a 404 "
    "problem.\n\n"
    "**Changes** carry the `version` of the record they were read at; if someone saved it "
    "since, the answer is 409 with `current_version`, and nothing is saved.\n\n"
    "**Errors** are `application/problem+json` (RFC 9457) with `type`, `title`, `status` "
    "and `detail`; 422 adds `errors`, mapping each field at fault (`attendance.0.status` for "
    "nested ones) to its messages. An unknown field in a body is an error too."
)


def register(app: Flask) -> None:
    """Bind the API to the app: its blueprints (CSRF-exempt), token sign-in, the OpenAPI document.

    The API never reads or writes the session cookie, so a page on another site cannot make a
    signed-in browser call it: only a Bearer token signs a request in.
    """
    from tracker.api.auth import ApiSessionInterface, load_user_from_token
    from tracker.api.routes import BLUEPRINTS
    from tracker.api.schemas import ProblemSchema
    from tracker.extensions import api, csrf, login_manager

    app.session_interface = ApiSessionInterface()
    login_manager.request_loader(load_user_from_token)

    api.ERROR_SCHEMA = ProblemSchema
    # The error responses flask-smorest documents for every status are problem documents;
    # the success responses registered after init_app stay application/json.
    api.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM
    api.init_app(app, spec_kwargs={
        "info": {"description": str(API_DESCRIPTION)},
        "security": [{"bearerAuth": []}],
    })
    api.DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token from your account page (/account) or "
                       "`flask --app tracker users token EMAIL`.",
    })
    for blueprint, url_prefix in BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix=url_prefix)
        csrf.exempt(blueprint)

