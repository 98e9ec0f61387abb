"""The API fuzzed from its own OpenAPI document, with each role's token.

Schemathesis reads /api/v1/openapi.json and sends every operation generated input, valid and
invalid, in-process (WSGI), inside the test's rolled-back transaction, so writes are fuzzed too.
Every answer must be below 500 and match what the document says of that operation (status,
media type, headers, body); and no answer may name a record outside the token's scope, nor
show notes the role may not read.

Reproducible: the examples are derived from the test, not drawn at random (`derandomize`).
"""
import contextvars
import json
import os

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from config import TestConfig
from tests.api.world import world  # noqa: F401 (a fixture)
from tracker import create_app
from tracker.auth.tokens import new_token
from tracker.bounds import MAX_INT
from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation
from tracker.people.models import Person
from tracker.programmes.models import Programme
from tracker.schedule.models import Session

ROLES = ["coordinator", "agency", "ministry"]
# Per operation, each sent as every role. The most expensive file of the suite: CI's second run,
# on PostgreSQL, asks fewer (FUZZ_API_EXAMPLES), as the SQLite run has tried the full number on
# the same code.
EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "100"))

CONFIG = {
    "generation": {
        "mode": "all",
        "max-examples": EXAMPLES,
        "deterministic": True,
        # The token is the test's to send: a generated Authorization header is not a role.
        "with-security-parameters": False,
    },
    "checks": {
        # Input the document allows can still break a programme rule it cannot state (an id
        # that names nothing, a label another cohort has, an end before the start): that is
        # a 422 naming the field, like any refusal of what was sent.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "401", "403", "404", "409", "422"],
        },
    },
}


def load_schema():
    """The API's document, read at collection from an app of its own (the suite's app is made
    later, by a fixture); the cases go to the suite's app, in the test's transaction."""
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app(TestConfig),
                                          config=config)


schema = load_schema()

# The running test's record ids, by the parameter or property that names them, for `map_case`.
RECORDS: dict[str, list[int]] = {}
ID_MODELS = {
    "cohort": Cohort, "cohort_id": Cohort, "programme": Programme, "organisation": Organisation,
    "organisation_id": Organisation, "ministry": Organisation, "enrolment_id": Enrolment,
    "session_id": Session, "person": Person,
}


@pytest.fixture
def records(world):  # noqa: F811
    for name, model in ID_MODELS.items():
        RECORDS[name] = list(db.session.scalars(select(model.id).order_by(model.id)))
    yield RECORDS
    RECORDS.clear()


def _aim(name: str, value: object) -> object:
    """A generated id that the document allows names one of the test's records more often than
    not, so reads find records and writes reach the programme's rules; the rest still try ids
    that name nothing. Values the document refuses (below 1, past the column, of another type)
    stay as generated: they are the invalid input, and must stay invalid."""
    known = RECORDS.get(name)
    if not known or type(value) is not int or not 1 <= value <= MAX_INT:
        return value
    choices = [*known, value]
    return choices[value % len(choices)]


def _current_version(case) -> int | None:
    for name, model in (("cohort_id", Cohort), ("session_id", Session)):
        record_id = (case.path_parameters or {}).get(name)
        if record_id in RECORDS[name]:
            return db.session.scalar(select(model.version).where(model.id == record_id))
    return None


@schema.hook
def map_case(context, case):
    """Aim the generated ids at the test's records, and a version at the current one."""
    if not RECORDS:
        return case  # at collection, where schemathesis reads the document's examples
    for part in (case.path_parameters, case.query):
        for name, value in (part or {}).items():
            part[name] = _aim(name, value)
    if isinstance(case.body, dict):
        body = case.body
        for name in ("programme", "cohort", "organisation"):
            if name in body:
                body[name] = _aim(name, body[name])
        marks = body.get("attendance")
        for mark in marks if isinstance(marks, list) else []:
            if isinstance(mark, dict) and "person" in mark:
                mark["person"] = _aim("person", mark["person"])
        version = body.get("version")
        # Half the versions sent are the current one, so that changes are saved, not refused.
        if type(version) is int and 0 <= version <= MAX_INT and version % 2 == 0:
            current = _current_version(case)
            if current is not None:
                body["version"] = current
    return case


# What a role may see, asked of the models as the pages ask it.


def visible_ids(model, user) -> set[int]:
    return set(db.session.scalars(select(model.id).where(model.visible_to(user))))


def assert_in_scope(user, path: str, body: object) -> None:
    """Every record the answer names is one `user` may see; notes only where they may."""
    items = body if isinstance(body, list) else [body]
    staff = user.is_staff
    if path.endswith("/survey-results"):
        # The survey's results: only a group the user sees, open answers only for its own
        # leaders and staff, and across groups nothing until enough groups count.
        from tracker.surveys.results import shows_open_answers_to

        if path.startswith("/api/v1/enrolments"):
            assert body["enrolment"] in visible_ids(Enrolment, user)
            enrolment = db.session.get(Enrolment, body["enrolment"])
            assert body["open_answers"] is None or shows_open_answers_to(enrolment, user)
        else:
            assert "open_answers" not in body
            assert body["shown"] or body["factors"] == []
            assert not body["shown"] or body["groups_counted"] >= body["least_groups"]
    elif path.startswith("/api/v1/cohorts"):
        assert {item["id"] for item in items} <= visible_ids(Cohort, user)
        assert staff or all(item["notes"] is None for item in items)
    elif path.startswith("/api/v1/organisations"):
        assert {item["id"] for item in items} <= visible_ids(Organisation, user)
    elif path.startswith("/api/v1/enrolments"):
        assert {item["id"] for item in items} <= visible_ids(Enrolment, user)
        assert {item["organisation"] for item in items} <= visible_ids(Organisation, user)
        assert staff or all(item["notes"] is None for item in items)
    elif path == "/api/v1/sessions/{session_id}/attendance":
        assert body["session"] in visible_ids(Session, user)
        groups = visible_ids(Enrolment, user)
        for line in body["attendance"]:
            assert line["enrolment"] in groups
            enrolment = db.session.get(Enrolment, line["enrolment"])
            assert line["note"] is None or enrolment.shows_attendance_notes_to(user)
    elif path.startswith("/api/v1/sessions"):
        assert {item["id"] for item in items} <= visible_ids(Session, user)
        assert {item["cohort"] for item in items} <= visible_ids(Cohort, user)
    elif path == "/api/v1/sector-overview":
        rows = body["organisations"]
        assert {row["organisation"] for row in rows} <= visible_ids(Organisation, user)
        assert {row["enrolment"] for row in rows} - {None} <= visible_ids(Enrolment, user)
        assert {past["enrolment"] for row in rows for past in row["history"]} <= visible_ids(
            Enrolment, user)
    else:
        pytest.fail(f"No scope rule for {path}: add one when adding an operation.")


def assert_pagination_header(response) -> None:
    """X-Pagination is a JSON object in a string, as the document says (content, not schema)."""
    header = schema.raw_schema["components"]["schemas"]["PaginationMetadata"]
    metadata = json.loads(response.headers["x-pagination"][0])
    jsonschema.validate(metadata, header)
    assert metadata["total"] >= len(response.json())


@pytest.fixture
def isolated_app(app):
    """The suite's app, each request in its own context (its own app context, `g` and database
    session), as in production and as tests/conftest.py's `client` does: schemathesis sends its
    own probes too (the same request without the token, say), not through a client we give it."""
    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)
    return wsgi


@pytest.fixture
def tokens(db, world) -> dict[str, str]:  # noqa: F811
    secrets = {role: new_token(world["users"][role], "fuzzing")[1] for role in ROLES}
    db.session.commit()
    return secrets


@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@schema.parametrize()
def test_every_operation_answers_as_documented_and_within_scope(case, isolated_app, tokens,
                                                                world, records):  # noqa: F811
    # Each case goes to every role in turn, so each role still meets EXAMPLES cases an
    # operation: as a parameter of its own, each role drew cases of its own, and drawing them
    # (schema, mutations, checks) took more of the time than the app's answers.
    for role in ROLES:
        try:
            response = case.call_and_validate(app=isolated_app,
                                              headers={"Authorization": f"Bearer {tokens[role]}"})
            if case.method.upper() != case.operation.method.upper():
                continue  # a method the operation does not take, which the checks above judge
            if 200 <= response.status_code < 300:
                assert_in_scope(world["users"][role], case.operation.path, response.json())
                if case.method == "GET" and isinstance(response.json(), list):
                    assert_pagination_header(response)
        except Exception as error:
            error.add_note(f"Sent with the {role}'s token.")
            raise
