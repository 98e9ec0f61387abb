"""The API's resources under /api/v1: thin views over the features' services.

Who may call what is in tracker/access.py; which records each role sees is decided by the same
loaders and `User` methods as the pages, so a record outside a user's scope answers 404 here too.
"""
import re
from http import HTTPStatus

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import validate
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tracker import clock
from tracker.api import problem
from tracker.api.schemas import (
    AttendanceInput,
    AttendanceSchema,
    BoundedParser,
    CohortCreateInput,
    CohortSchema,
    CohortUpdateInput,
    EnrolmentCreateInput,
    EnrolmentFilter,
    EnrolmentSchema,
    OrganisationSchema,
    ComparisonSchema,
    GroupSurveyResultsSchema,
    SectorFilter,
    SectorOverviewSchema,
    SessionFilter,
    SessionSchema,
)
from tracker.api.services import (
    COHORT_FACTS,
    AttendanceMark,
    attendance_for,
    change_cohort,
    cohorts_for,
    enrolments_for,
    find,
    organisations_for,
    record_marks,
    sector_page,
    sessions_for,
)
from tracker.bounds import MAX_INT
from tracker.cohorts.models import Cohort
from tracker.cohorts.services import create_cohort, get_cohort_or_404
from tracker.concurrency import ConflictError
from tracker.domain import DomainError
from tracker.errors import with_error_headers
from tracker.extensions import db
from tracker.groups.services import enrol, get_enrolment_or_404
from tracker.organisations.models import Organisation
from tracker.organisations.services import get_organisation_or_404
from tracker.programmes.models import Programme
from tracker.reports.services import (
    ORGANISATIONS_PER_PAGE,
    get_sector_or_404,
    sector_summary,
    sector_survey,
)
from tracker.surveys import results as survey_results
from tracker.schedule.sessions import get_session_or_404

PAGE_SIZE, MAX_PAGE_SIZE = 20, 100


class Blueprint(SmorestBlueprint):
    """flask-smorest's blueprint, with JSON bodies read by the bounded parser, `page` bounded
    like any integer, and the X-Pagination header documented as what it is: a JSON object in
    a string. (flask-smorest gives the header the object's schema, so a client or a validator
    that reads the document takes the text it gets for a malformed header.)"""

    ARGUMENTS_PARSER = BoundedParser()

    def paginate(self, *args, **kwargs):
        decorate = super().paginate(*args, **kwargs)

        def bounded(view):
            wrapper = decorate(view)
            # flask-smorest makes the `page` and `page_size` schema per list; its `page` has
            # no maximum. The field is copied into each instance, and read for the document.
            page = wrapper._apidoc["pagination"]["parameters"]["schema"]._declared_fields["page"]
            page.validators.append(validate.Range(max=MAX_INT, error=_l(
                "Give a whole number from %(min)s to %(max)s.", min=1, max=MAX_INT)))
            return wrapper

        return bounded

    def _document_pagination_metadata(self, spec, resp_doc):
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": "The list's counts, as a JSON object: `total`, `total_pages`, "
                           "`first_page`, `last_page`, `page` and the neighbouring pages "
                           "(`previous_page`, `next_page`) where there are any.",
            "required": True,
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }


cohorts = Blueprint("api_cohorts", __name__, description="Cohorts (kull): four leadership "
                    "groups taking the course together.")
organisations = Blueprint("api_organisations", __name__, description="Ministries, "
                          "directorates and agencies.")
enrolments = Blueprint("api_enrolments", __name__, description="Leadership groups: an "
                       "organisation's top leader and management group in a cohort.")
sessions = Blueprint("api_sessions", __name__, description="Sessions, joint or for one "
                     "group, and who attended them.")
reports = Blueprint("api_reports", __name__, description="Where the organisations of a "
                    "ministry's sector stand in the programme.")
survey = Blueprint("api_survey", __name__, description="The survey's results: shown only for "
                   "rounds that are closed and have their minimum of answers; a sector's only "
                   "with at least three groups.")

BLUEPRINTS = [
    (cohorts, "/api/v1/cohorts"),
    (organisations, "/api/v1/organisations"),
    (enrolments, "/api/v1/enrolments"),
    (sessions, "/api/v1/sessions"),
    (reports, "/api/v1"),
    (survey, "/api/v1"),
]


def problems(blueprint: Blueprint, *codes: int):
    """Document the problem responses a view may give (the components flask-smorest registers
    for each status, as problem documents)."""
    def decorate(view):
        for code in codes:
            view = blueprint.alt_response(code, response=HTTPStatus(code).name)(view)
        return view
    return decorate


def page_of(query, pagination_parameters) -> list:
    """One page of `query`'s rows; the count goes to the X-Pagination header.

    Page 1 of nothing is an empty list; a page past the last one is a 404 problem.
    """
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page_within(total, pagination_parameters)
    return db.session.scalars(query.limit(pagination_parameters.page_size)
                              .offset(pagination_parameters.first_item)).all()


def page_within(total: int, pagination_parameters) -> None:
    """Give the list's `total` to the X-Pagination header.

    :raise 404: a problem, when the page asked for is past the last (an empty list has one).
    """
    pagination_parameters.item_count = total
    last_page = max(1, -(-total // pagination_parameters.page_size))
    if pagination_parameters.page > last_page:
        abort(404, message=_l("There is no page %(page)s: the last page is %(last)s.",
                              page=pagination_parameters.page, last=last_page))


def cohort_filter(cohort_id: int | None) -> Cohort | None:
    """The cohort a list is filtered to, if the user may see it; None for no filter.

    :raise 404: when there is no such cohort or the user may not see it.
    """
    return get_cohort_or_404(cohort_id, current_user) if cohort_id is not None else None


# Cohorts


@cohorts.route("", methods=["GET"], endpoint="index")
@cohorts.response(200, CohortSchema(many=True))
@problems(cohorts, 401, 404)
@cohorts.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def cohort_index(pagination_parameters):
    """The cohorts you may see, oldest first"""
    return page_of(cohorts_for(current_user), pagination_parameters)


@cohorts.route("/<int:cohort_id>", methods=["GET"], endpoint="detail")
@cohorts.response(200, CohortSchema)
@problems(cohorts, 401, 404)
def cohort_detail(cohort_id: int):
    """One cohort"""
    return get_cohort_or_404(cohort_id, current_user)


@cohorts.route("", methods=["POST"], endpoint="create")
@cohorts.arguments(CohortCreateInput)
@cohorts.response(201, CohortSchema)
@problems(cohorts, 401, 403)
def cohort_create(data: dict):
    """Add a cohort (coordinators)

    The planned end and capacity default to the programme's.
    """
    programme = find(Programme, data.pop("programme"), "programme", current_user)
    cohort = create_cohort(programme, **data)
    return cohort, 201, {"Location": url_for("api_cohorts.detail", cohort_id=cohort.id)}


@cohorts.route("/<int:cohort_id>", methods=["PATCH"], endpoint="update")
@cohorts.arguments(CohortUpdateInput(partial=COHORT_FACTS))
@cohorts.response(200, CohortSchema)
@problems(cohorts, 401, 403, 404, 409)
def cohort_update(data: dict, cohort_id: int):
    """Change a cohort's facts (coordinators)

    Send `version` and the facts to change; the others stay. A stale `version` is a 409.
    """
    cohort = get_cohort_or_404(cohort_id, current_user)
    version = data.pop("version")
    change_cohort(cohort, version=version, changes=data)
    return cohort


# Organisations


@organisations.route("", methods=["GET"], endpoint="index")
@organisations.response(200, OrganisationSchema(many=True))
@problems(organisations, 401, 404)
@organisations.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def organisation_index(pagination_parameters):
    """The organisations you may see, by name"""
    return page_of(organisations_for(current_user), pagination_parameters)


@organisations.route("/<int:organisation_id>", methods=["GET"], endpoint="detail")
@organisations.response(200, OrganisationSchema)
@problems(organisations, 401, 404)
def organisation_detail(organisation_id: int):
    """One organisation"""
    return get_organisation_or_404(organisation_id, current_user)


# Leadership groups


@enrolments.route("", methods=["GET"], endpoint="index")
@enrolments.arguments(EnrolmentFilter, location="query", as_kwargs=True)
@enrolments.response(200, EnrolmentSchema(many=True))
@problems(enrolments, 401, 404)
@enrolments.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def enrolment_index(pagination_parameters, cohort: int | None = None):
    """The leadership groups you may see, by cohort and organisation"""
    return page_of(enrolments_for(current_user, cohort_filter(cohort)), pagination_parameters)


@enrolments.route("/<int:enrolment_id>", methods=["GET"], endpoint="detail")
@enrolments.response(200, EnrolmentSchema)
@problems(enrolments, 401, 404)
def enrolment_detail(enrolment_id: int):
    """One leadership group"""
    return get_enrolment_or_404(enrolment_id, current_user)


@enrolments.route("", methods=["POST"], endpoint="create")
@enrolments.arguments(EnrolmentCreateInput)
@enrolments.response(201, EnrolmentSchema)
@problems(enrolments, 401, 403)
def enrolment_create(data: dict):
    """Enrol an organisation's leadership group in a cohort (coordinators)

    Refused (422) when the organisation is in the cohort already, the cohort is full, the
    organisation takes part in an overlapping cohort, or the status is neither `invited` nor
    `confirmed`.
    """
    cohort = find(Cohort, data["cohort"], "cohort", current_user)
    organisation = find(Organisation, data["organisation"], "organisation")
    enrolment = enrol(cohort, organisation, status=data["status"], notes=data["notes"])
    return enrolment, 201, {"Location": url_for("api_enrolments.detail",
                                                enrolment_id=enrolment.id)}


# Sessions and attendance


@sessions.route("", methods=["GET"], endpoint="index")
@sessions.arguments(SessionFilter, location="query", as_kwargs=True)
@sessions.response(200, SessionSchema(many=True))
@problems(sessions, 401, 404)
@sessions.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def session_index(pagination_parameters, cohort: int | None = None):
    """The sessions you may see, in time order

    The joint sessions of your cohorts, and the sessions of the groups you may see.
    """
    return page_of(sessions_for(current_user, cohort_filter(cohort)), pagination_parameters)


@sessions.route("/<int:session_id>", methods=["GET"], endpoint="detail")
@sessions.response(200, SessionSchema)
@problems(sessions, 401, 404)
def session_detail(session_id: int):
    """One session"""
    return get_session_or_404(session_id, current_user)


@sessions.route("/<int:session_id>/attendance", methods=["GET"], endpoint="attendance")
@sessions.response(200, AttendanceSchema)
@problems(sessions, 401, 404)
def session_attendance(session_id: int):
    """Who is expected at a session, and what is recorded

    Only the people of groups you may see; notes only where you may see them.
    """
    session = get_session_or_404(session_id, current_user)
    return {"session": session, "lines": attendance_for(session, current_user)}


@sessions.route("/<int:session_id>/attendance", methods=["PUT"], endpoint="record_attendance")
@sessions.arguments(AttendanceInput)
@sessions.response(200, AttendanceSchema)
@problems(sessions, 401, 403, 404, 409)
def session_record_attendance(data: dict, session_id: int):
    """Record attendance at a session (coordinators)

    Send the session's `version` and an entry for each person to record. Someone not expected
    at the session is a 422 naming `attendance.<n>.person`, and nothing is saved.
    """
    session = get_session_or_404(session_id, current_user)
    marks = [AttendanceMark(entry["person"], entry["status"], entry["note"])
             for entry in data["attendance"]]
    record_marks(session, version=data["version"], marks=marks)
    return {"session": session, "lines": attendance_for(session, current_user)}


# The sector overview


@reports.route("/sector-overview", methods=["GET"], endpoint="sector_overview")
@reports.arguments(SectorFilter, location="query", as_kwargs=True)
@reports.response(200, SectorOverviewSchema)
@problems(reports, 401, 403, 404)
@reports.paginate(page_size=ORGANISATIONS_PER_PAGE, max_page_size=MAX_PAGE_SIZE)
def sector_overview_view(pagination_parameters, ministry: int | None = None):
    """Where each organisation of a sector stands (coordinators, ministry viewers)

    The sector's figures, counted over all its organisations, and one page of them with
    their histories (X-Pagination counts the organisations). Coordinators ask for any
    ministry's sector, or the whole state without `ministry`; a ministry viewer gets their
    own sector, and another ministry's is a 404. Agency leaders get 403.
    """
    sector = get_sector_or_404(None if ministry is None else str(ministry), current_user)
    summary = sector_summary(sector, clock.today(), current_user)
    page_within(summary.total, pagination_parameters)
    return sector_page(summary, pagination_parameters.first_item, pagination_parameters.page_size)


# The survey's results


@survey.route("/enrolments/<int:enrolment_id>/survey-results", methods=["GET"],
              endpoint="enrolment_results")
@survey.response(200, GroupSurveyResultsSchema)
@problems(survey, 401, 403, 404)
def enrolment_survey_results(enrolment_id: int):
    """A group's survey results, baseline beside final (coordinators and the group's own leaders)

    A round's factors are shown only when it is closed and has its minimum of answers; a
    factor's spread only from five respondents. Open answers in a new random order each time.
    A ministry reads the sector's figures instead, never one group's.
    """
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    if not enrolment.shows_survey_results_to(current_user):
        abort(404)
    return survey_results.group_results(enrolment, current_user, clock.today())


@survey.route("/cohorts/<int:cohort_id>/survey-results", methods=["GET"],
              endpoint="cohort_results")
@survey.response(200, ComparisonSchema)
@problems(survey, 401, 403, 404)
def cohort_survey_results(cohort_id: int):
    """A cohort's groups compared, baseline to final (coordinators)"""
    cohort = get_cohort_or_404(cohort_id, current_user)
    return survey_results.compare(survey_results.cohort_enrolment_ids(cohort.id), clock.today())


@survey.route("/reports/sector/survey-results", methods=["GET"], endpoint="sector_results")
@survey.arguments(SectorFilter, location="query", as_kwargs=True)
@survey.response(200, ComparisonSchema)
@problems(survey, 401, 403, 404)
def sector_survey_results(ministry: int | None = None):
    """A sector's groups compared, baseline to final (coordinators, ministry viewers)

    No factor is shown unless at least three of the sector's groups count; never open answers.
    """
    sector = get_sector_or_404(None if ministry is None else str(ministry), current_user)
    return sector_survey(sector, clock.today(), current_user)


# Problems


# The words marshmallow and webargs refuse input with, in the caller's language.
LIBRARY_MESSAGES = {
    "Unknown field.": _l("Unknown field."),
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field cannot be null."),
    "Invalid value.": _l("Invalid value."),
    "Invalid type.": _l("Send a JSON object."),
    "Invalid input type.": _l("Send a JSON object."),
    "Not a valid list.": _l("Send a list."),
    "Not a valid string.": _l("Send a text (a JSON string)."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a whole number."),
    "Not a valid date.": _l("Give a date as YYYY-MM-DD."),
    "Not a valid boolean.": _l("Give true or false."),
}
LIBRARY_PATTERNS = [
    (re.compile(r"Must be one of: (?P<choices>.*)\.$"),
     lambda match: _l("Give one of: %(choices)s.", choices=match["choices"])),
    (re.compile(r"Must be greater than or equal to (?P<min>-?\d+) and less than or equal to "
                r"(?P<max>-?\d+)\.$"),
     lambda match: _l("Give a whole number from %(min)s to %(max)s.", min=match["min"],
                      max=match["max"])),
    (re.compile(r"Must be greater than or equal to (?P<min>-?\d+)\.$"),
     lambda match: _l("Give a whole number of at least %(min)s.", min=match["min"])),
]


def in_callers_language(message: object) -> str:
    text = str(message)
    if text in LIBRARY_MESSAGES:
        return str(LIBRARY_MESSAGES[text])
    for pattern, translate in LIBRARY_PATTERNS:
        match = pattern.match(text)
        if match:
            return str(translate(match))
    return text


def field_errors(messages: object) -> dict[str, list[str]]:
    """webargs' {location: {field: [message] or {nested field: …}}} as {"field.nested": [message]}."""
    flat: dict[str, list[str]] = {}

    def walk(path: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{path}.{key}" if path else str(key), inner)
        elif isinstance(value, (list, tuple)):
            flat.setdefault(path, []).extend(in_callers_language(message) for message in value)
        else:
            flat.setdefault(path, []).append(in_callers_language(value))

    if isinstance(messages, dict):
        for location, value in messages.items():
            walk("" if isinstance(value, dict) else str(location), value)
    return flat


def handle_http_error(error: HTTPException):
    """Every HTTP error in the API as a problem; a validation error names each field."""
    if (error.code or 500) >= 500:
        db.session.rollback()
    data = getattr(error, "data", None) or {}
    errors = field_errors(data["messages"]) if "messages" in data else None
    response = with_error_headers(
        problem(error.code or 500, detail=data.get("message"), errors=errors), error)
    response.headers.update(data.get("headers") or {})
    return response


def handle_conflict(error: ConflictError):
    """A change from an older version: 409, with the version to read the record at again."""
    db.session.rollback()
    return problem(409, current_version=error.record.version)


def handle_lost_race(error: StaleDataError):
    """Another save won the race between the version check and the write."""
    db.session.rollback()
    return problem(409)


def handle_domain_error(error: DomainError):
    """A programme rule refused the change: 422, naming the field at fault."""
    db.session.rollback()
    return problem(422, detail=str(error), errors={error.field or "_schema": [str(error)]})


for _blueprint, _prefix in BLUEPRINTS:
    _blueprint.register_error_handler(HTTPException, handle_http_error)
    _blueprint.register_error_handler(ConflictError, handle_conflict)
    _blueprint.register_error_handler(StaleDataError, handle_lost_race)
    _blueprint.register_error_handler(DomainError, handle_domain_error)
