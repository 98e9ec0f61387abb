"""What an error answer says: the words for each status, and the API's problem documents.

Below both the error pages (tracker.errors) and the API (tracker.api), which each build on it,
so neither imports the other.

Every answer under /api/ that is not a success is a problem document (RFC 9457,
`application/problem+json`) with `type`, `title`, `status` and `detail`; a validation problem
adds `errors`, naming each field at fault.
"""
from flask import Request, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import MethodNotAllowed

API_PREFIX = "/api/"
PROBLEM = "application/problem+json"

TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Upload too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}
EXPLANATIONS = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("You do not have access to this page."),
    404: _l("We could not find the page you asked for. Check the address, or go to the front page."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone else changed this in the meantime."),
    413: _l("The file is larger than we accept."),
    429: _l("Wait a moment and try again."),
    500: _l("An error on our side stopped this request. Nothing was saved. Try again later."),
    503: _l("The service is not available right now. Try again later."),
}

# What the API says about a status, where the pages' words do not fit.
API_TITLES = {
    401: _l("Not signed in"),
    404: _l("Not found"),
    422: _l("Invalid input"),
}
API_EXPLANATIONS = {
    400: _l("The request could not be understood."),
    401: _l("Send a personal access token: Authorization: Bearer <token>. Make one on your "
            "account page."),
    403: _l("Your role may not do this."),
    404: _l("There is no such record, or it is outside what you may see."),
    409: _l("Someone else changed this record after you read it. Read it again, and send "
            "its current version."),
    422: _l("The request has input that is wrong; `errors` names each field."),
}


def is_api_request() -> bool:
    """Whether this request is to the JSON API (and so is answered with problem documents)."""
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: object = None, **members: object):
    """A problem document for `status`; `members` are extra members, such as `errors`."""
    title = API_TITLES.get(status) or TITLES.get(status) or TITLES[500]
    if detail is None:
        detail = API_EXPLANATIONS.get(status) or EXPLANATIONS.get(status) or EXPLANATIONS[500]
    body = {"type": "about:blank", "title": str(title), "status": status, "detail": str(detail)}
    body.update({key: value for key, value in members.items() if value is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    if status == 405 and isinstance(request.routing_exception, MethodNotAllowed):
        # RFC 9110: a 405 says which methods the address takes. Routing found them, before
        # any view or blueprint could answer.
        response.headers.extend((name, value) for name, value in
                                request.routing_exception.get_headers()
                                if name.lower() != "content-type")
    return response


def bearer_token(incoming: Request) -> str | None:
    """The token in `Authorization: Bearer <token>`, or None when there is no such header."""
    scheme, _, token = incoming.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def unauthorized():
    """401 for an API request that no valid token signs in, saying how to sign in."""
    response = problem(401)
    if bearer_token(request) is None:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    else:
        response.headers["WWW-Authenticate"] = (
            'Bearer realm="tracker", error="invalid_token", '
            'error_description="The token is unknown, revoked, or its user is deactivated."'
        )
    return response
