"""What the API's JSON looks like, in and out. Every schema refuses fields it does not know.

Every input is bounded here, once, with the limits of tracker/bounds.py: a text has a maximum
length and no control characters (a note may keep its line breaks), an integer fits the
database's column, a date lies in the window the programme can mean. The bounds are in the
OpenAPI document too, so a client can know them before it sends anything.
"""
import json
from datetime import date

from flask import Request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from tracker import clock
from tracker.access import allows
from tracker.bounds import (
    CONTROL_CHARACTERS,
    EARLIEST,
    LATEST,
    LINE_BREAKS,
    MAX_INT,
    date_in_window,
    has_control_characters,
)
from tracker.cohorts.models import Season
from tracker.cohorts.services import FIRST_YEAR, LAST_YEAR, MAX_CAPACITY
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole
from tracker.organisations.models import OrganisationKind
from tracker.programmes.models import ModuleKind
from tracker.reports.services import SectorState
from tracker.schedule.models import AttendanceStatus, SessionStatus

UTC_NOTE = "An instant in ISO 8601, in UTC with its offset (`+00:00`)."

# What tracker.bounds.has_control_characters finds, as the document's JSON Schema patterns
# (tests/api/test_api_bounds.py checks that the two agree on every character).
ONE_LINE_PATTERN = rf"^[^{CONTROL_CHARACTERS}{LINE_BREAKS}]*$"
MULTILINE_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*$"


# Deeper than any body this API takes (an attendance entry is three levels down).
MAX_DEPTH = 16


class BoundedParser(FlaskParser):
    """webargs' parser for a JSON body, answering 400 naming `json` for a body that is not
    JSON, is nested deeper than MAX_DEPTH, or has a number of thousands of digits. (Python's
    parser raises RecursionError or ValueError for the last two, which webargs lets through as
    a server error.)"""

    def _raw_load_json(self, incoming: Request):
        if not is_json_request(incoming):
            return core.missing
        try:
            body = core.parse_json(incoming.get_data(cache=True))
        except json.JSONDecodeError as error:
            if error.doc == "":
                return core.missing  # an empty body: the schema says what is missing
            return self._refuse(_l("The body is not valid JSON."))
        except (RecursionError, ValueError):
            return self._refuse(_l("The body is nested too deeply or has too long a number."))
        if _depth(body) > MAX_DEPTH:
            return self._refuse(_l("The body is nested too deeply or has too long a number."))
        return body

    def _handle_invalid_json_error(self, error, incoming, *args, **kwargs):
        self._refuse(_l("The body is not valid JSON."))

    @staticmethod
    def _refuse(message):
        abort(400, messages={"json": [str(message)]})


def _depth(value: object) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest, level = 0, [(value, 0)]
    while level:
        item, depth = level.pop()
        if isinstance(item, (list, dict)):
            depth += 1
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            level.extend((child, depth) for child in children)
    return deepest


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _has_surrogates(text: str) -> bool:
    # A lone surrogate (`"\\ud800"` in JSON) is no character at all, and no database stores it.
    return any("\ud800" <= character <= "\udfff" for character in text)


class Text(fields.String):
    """A string without the spaces around it: at most `max_length` characters as sent, without
    control characters, and without line breaks unless `multiline` (a note's). The checks are
    of what was sent, before the spaces are taken off, as the document's pattern says."""

    def __init__(self, *, max_length: int, min_length: int = 0, multiline: bool = False,
                 **kwargs):
        self.max_length, self.min_length, self.multiline = max_length, min_length, multiline
        metadata = dict(kwargs.pop("metadata", {}))
        metadata.update(maxLength=max_length,
                        pattern=MULTILINE_PATTERN if multiline else ONE_LINE_PATTERN)
        if min_length:
            metadata["minLength"] = min_length
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if has_control_characters(text, multiline=self.multiline) or _has_surrogates(text):
            if self.multiline:
                raise ValidationError(str(_l("Remove the control characters from the text.")))
            raise ValidationError(str(_l(
                "Remove the control characters and line breaks from the text.")))
        if len(text) > self.max_length:
            raise ValidationError(str(_l("Use at most %(n)s characters.", n=self.max_length)))
        text = text.strip()
        if len(text) < self.min_length:
            raise ValidationError(str(_l("Fill in this field.")))
        return text


def Integer(minimum: int = 0, maximum: int = MAX_INT, *, strict: bool = True,
            **kwargs) -> fields.Integer:
    """A whole number that the database's column holds: in a JSON body a number (not a string,
    not 1.0); in a query string (`strict=False`) its digits."""
    return fields.Integer(strict=strict, validate=validate.Range(
        min=minimum, max=maximum,
        error=_l("Give a whole number from %(min)s to %(max)s.", min=minimum, max=maximum),
    ), **kwargs)


def Id(description: str, **kwargs) -> fields.Integer:
    """A record's id: a whole number from 1 that the database's id column holds."""
    return Integer(1, MAX_INT, metadata={"description": description}, **kwargs)


def QueryId(description: str) -> fields.Integer:
    """A record's id in the query string."""
    return Id(description, strict=False)


class Day(fields.Date):
    """A date (`YYYY-MM-DD`) within the years the programme can mean (tracker.bounds)."""

    def __init__(self, **kwargs):
        metadata = dict(kwargs.pop("metadata", {}))
        window = f"From {EARLIEST.isoformat()} to {LATEST.isoformat()}."
        metadata["description"] = f"{metadata['description']} {window}" \
            if "description" in metadata else window
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not date_in_window(day):
            raise ValidationError(str(_l("Give a date from %(first)s to %(last)s.",
                                         first=EARLIEST.isoformat(), last=LATEST.isoformat())))
        return day


def IdOf(relation: str, description: str) -> fields.Function:
    """The id of a related record that may be absent: null then, rather than left out."""
    return fields.Function(
        lambda record: getattr(getattr(record, relation), "id", None),
        allow_none=True,
        metadata={"type": "integer", "nullable": True, "description": description},
    )


def Instant(description: str, **kwargs) -> fields.DateTime:
    return fields.DateTime(format="iso", metadata={"description": f"{description} {UTC_NOTE}"},
                           **kwargs)


class ProblemSchema(StrictSchema):
    """A problem document (RFC 9457), sent as `application/problem+json`."""

    type = fields.String(metadata={"description": "Always `about:blank`: the status says it."})
    title = fields.String(metadata={"description": "The status in a few words."})
    status = fields.Integer(metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong and what to do."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "For 422: each field at fault (`attendance.0.status` for a "
                                 "nested one) with its messages."},
    )
    current_version = fields.Integer(
        metadata={"description": "For 409: the record's version now. Read it again first."}
    )


# Organisations


class OrganisationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    name_nb = fields.String(metadata={"description": "The name in Norwegian (bokmål)."})
    name_en = fields.String(allow_none=True, metadata={"description": "The name in English."})
    short_name = fields.String(allow_none=True, metadata={"description": "Such as `Udir`."})
    org_number = fields.String(allow_none=True, metadata={
        "description": "Nine digits, from Enhetsregisteret; null when not known."})
    kind = fields.Enum(OrganisationKind, by_value=True)
    owning_ministry = fields.Integer(attribute="owning_ministry_id", allow_none=True, metadata={
        "description": "The id of the ministry that owns a directorate or agency."})
    active_from = fields.Date(allow_none=True)
    active_to = fields.Date(allow_none=True)


# Cohorts





class CohortSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    version = fields.Integer(metadata={
        "description": "Send it back with a change: a change from an older version is refused."})
    programme = fields.Integer(attribute="programme_id")
    label = fields.String(metadata={"description": "Such as `Kull 3`."})
    ordinal = fields.Integer(metadata={"description": "0 for a pilot, 1 for Kull 1 and so on."})
    season = fields.Enum(Season, by_value=True)
    year = fields.Integer()
    start_date = fields.Date()
    planned_end = fields.Date()
    capacity = fields.Integer(metadata={"description": "How many leadership groups it takes."})
    participant_information = fields.String(metadata={
        "description": "What the groups should know about the cohort, for everyone who may "
                       "see it."})
    notes = fields.Method("staff_notes", allow_none=True, metadata={
        "description": "The coordinators' notes; null unless you are a coordinator or "
                       "administrator.", "type": "string", "nullable": True})
    status = fields.Method("cohort_status", metadata={
        "description": "`planned`, `running` or `completed`, today in Oslo.",
        "type": "string", "enum": ["planned", "running", "completed"]})

    def cohort_status(self, cohort) -> str:
        return cohort.status(clock.today()).value

    def staff_notes(self, cohort) -> str | None:
        # The coordinators' notes about a cohort are for those who may edit it, as on its page.
        return cohort.notes if allows(current_user, "cohorts.edit", cohort) else None


class CohortFactsInput(StrictSchema):
    """The facts of a cohort, as a coordinator sends them."""

    label = Text(max_length=60, min_length=1, required=True, metadata={
        "description": "At most 60 characters, on one line; not another cohort's in the "
                       "programme."})
    ordinal = Integer(0, MAX_INT, required=True, metadata={
        "description": "0 for a pilot, 1 for Kull 1 and so on; not another cohort's."})
    season = fields.Enum(Season, by_value=True, required=True)
    year = Integer(FIRST_YEAR, LAST_YEAR, required=True, metadata={
        "description": "The term's year, within a year of the start date's."})
    start_date = Day(required=True)
    planned_end = Day(allow_none=True, metadata={
        "description": "After the start date; null or left out: the start date plus the "
                       "programme's course length."})
    capacity = Integer(1, MAX_CAPACITY, allow_none=True, metadata={
        "description": f"1 to {MAX_CAPACITY}; null or left out: the programme's usual number."})
    participant_information = Text(max_length=2000, multiline=True, metadata={
        "description": "What the groups should know about the cohort, shown to everyone who "
                       "may see it: at most 2000 characters; line breaks are kept."})
    notes = Text(max_length=2000, multiline=True, metadata={
        "description": "The coordinators' own notes, which only coordinators and "
                       "administrators read: at most 2000 characters; line breaks are kept."})


class CohortCreateInput(CohortFactsInput):
    programme = Id("The programme whose course the cohort takes.", required=True)


class CohortUpdateInput(CohortFactsInput):
    """Only the facts sent change; `version` is the one the cohort was read at."""

    version = Integer(0, MAX_INT, required=True, metadata={
        "description": "The cohort's version when you read it."})


# Leadership groups


class EnrolmentSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    version = fields.Integer()
    cohort = fields.Integer(attribute="cohort_id")
    organisation = fields.Integer(attribute="organisation_id")
    status = fields.Enum(EnrolmentStatus, by_value=True)
    notes = fields.Method("staff_notes", allow_none=True, metadata={
        "description": "The coordinators' notes; null unless you are a coordinator or "
                       "administrator.", "type": "string", "nullable": True})

    def staff_notes(self, enrolment) -> str | None:
        # As on the group page: the notes are for those who may edit them.
        return enrolment.notes if allows(current_user, "groups.edit", enrolment) else None


class EnrolmentCreateInput(StrictSchema):
    cohort = Id("The cohort the group joins.", required=True)
    organisation = Id("The organisation whose leadership group it is.", required=True)
    status = fields.Enum(EnrolmentStatus, by_value=True, load_default=EnrolmentStatus.INVITED,
                         metadata={"description": "`invited` (the default) or `confirmed`."})
    notes = Text(max_length=2000, multiline=True, load_default="", metadata={
        "description": "The coordinators' notes: at most 2000 characters; line breaks are "
                       "kept."})


class EnrolmentFilter(StrictSchema):
    cohort = QueryId("Only this cohort's groups (404 when you may not see the cohort).")


# Sessions and attendance


class ModuleSchema(StrictSchema):
    id = fields.Integer()
    name_nb = fields.String()
    name_en = fields.String()
    kind = fields.Enum(ModuleKind, by_value=True)


class SessionSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    version = fields.Integer()
    cohort = fields.Integer(attribute="cohort_id")
    enrolment = fields.Integer(attribute="enrolment_id", allow_none=True, metadata={
        "description": "The group's enrolment for a group session; null for a joint one."})
    joint = fields.Boolean(attribute="is_joint", metadata={
        "description": "True for a session of the whole cohort."})
    module = fields.Nested(ModuleSchema)
    starts_at = Instant("When it starts.")
    ends_at = Instant("When it ends.")
    location = fields.String()
    status = fields.Enum(SessionStatus, by_value=True)


class SessionFilter(StrictSchema):
    cohort = QueryId("Only this cohort's sessions (404 when you may not see the cohort).")


class AttendanceLineSchema(StrictSchema):
    person = fields.Integer(attribute="person.id")
    name = fields.String(attribute="person.name", allow_none=True, metadata={
        "description": "Null once the person's data is erased."})
    enrolment = fields.Integer(attribute="membership.enrolment_id")
    organisation = fields.Integer(attribute="membership.enrolment.organisation_id")
    role = fields.Enum(MemberRole, by_value=True, attribute="membership.role")
    status = fields.Enum(AttendanceStatus, by_value=True, allow_none=True, metadata={
        "description": "Null when nothing is recorded."})
    note = fields.String(allow_none=True, metadata={
        "description": "Why someone was away; null unless you may see notes about this group "
                       "(coordinators, and the group's own agency leader)."})


class AttendanceSchema(StrictSchema):
    session = fields.Integer(attribute="session.id")
    version = fields.Integer(attribute="session.version", metadata={
        "description": "The session's version: send it back with a change."})
    attendance = fields.List(fields.Nested(AttendanceLineSchema), attribute="lines")


class AttendanceMarkInput(StrictSchema):
    person = Id("A person expected at the session.", required=True)
    status = fields.Enum(AttendanceStatus, by_value=True, required=True)
    note = Text(max_length=500, multiline=True, load_default="", metadata={
        "description": "At most 500 characters; line breaks are kept."})


# More people than any session expects (four groups of a dozen), fewer than would strain it.
MAX_MARKS = 500


class AttendanceInput(StrictSchema):
    version = Integer(0, MAX_INT, required=True, metadata={
        "description": "The session's version when you read its attendance."})
    attendance = fields.List(
        fields.Nested(AttendanceMarkInput), required=True,
        validate=validate.Length(max=MAX_MARKS, error=_l(
            "Send at most %(max)s entries at a time.", max=MAX_MARKS)),
        metadata={"description": "One entry for each person to record; people left out keep "
                                 f"what is recorded for them. At most {MAX_MARKS}."})


# The sector overview


class ParticipationSchema(StrictSchema):
    enrolment = fields.Integer(attribute="enrolment.id")
    cohort = fields.Integer(attribute="cohort.id")
    status = fields.Enum(EnrolmentStatus, by_value=True)
    status_since = fields.Date(allow_none=True, metadata={
        "description": "The day (in Oslo) of the latest status change; null when none is "
                       "recorded."})
    state = fields.Method("state_value", metadata={
        "description": "Where the enrolment stands, as the overview counts it: its status, "
                       "moved on where the cohort's dates show it is behind (confirmed for a "
                       "running cohort is active; confirmed or active in one that has ended is "
                       "completed).",
        "type": "string", "enum": [state.value for state in SectorState]})

    def state_value(self, row) -> str:
        return row.state.value


class OrganisationStateSchema(StrictSchema):
    organisation = fields.Integer(attribute="organisation.id")
    name_nb = fields.String(attribute="organisation.name_nb")
    short_name = fields.String(attribute="organisation.short_name", allow_none=True)
    owning_ministry = fields.Integer(attribute="organisation.owning_ministry_id", allow_none=True)
    state = fields.Method("state_value", metadata={
        "description": "Where the organisation stands: the state of its latest enrolment "
                       "(not_started when it has none).",
        "type": "string", "enum": [state.value for state in SectorState]})
    enrolment = IdOf("enrolment", "Its latest enrolment; null when it never took part.")
    cohort = IdOf("cohort", "That enrolment's cohort.")
    month = fields.Integer(allow_none=True, metadata={
        "description": "While active: the month of the course it is in."})
    course_length = fields.Integer(allow_none=True, metadata={
        "description": "While active: the course's length in months."})
    has_completed = fields.Boolean(metadata={
        "description": "Whether any of its enrolments has completed, whatever came later."})
    completed_on = fields.Date(allow_none=True, metadata={
        "description": "The day its latest completed enrolment was marked completed (its "
                       "cohort's planned end when no change was recorded); null when it never "
                       "completed. A group still active after its cohort's end has not."})
    history = fields.List(fields.Nested(ParticipationSchema), metadata={
        "description": "Every enrolment, oldest cohort first."})

    def state_value(self, row) -> str:
        return row.state.value


class SectorOverviewSchema(StrictSchema):
    ministry = IdOf("ministry", "The ministry whose sector this is; null for the whole state.")
    today = fields.Date(metadata={"description": "The day (in Oslo) the states are for."})
    total = fields.Integer(metadata={"description": "How many organisations the sector has."})
    completed = fields.Integer(metadata={
        "description": "How many of the sector's organisations have completed, at any time "
                       "(has_completed)."})
    completed_share = fields.Integer(metadata={
        "description": "The percentage of the sector's organisations that have completed, "
                       "whole, rounded half up (2 of 3 is 67)."})
    counts = fields.Method("state_counts", metadata={
        "description": "How many organisations are in each state (that of their latest "
                       "enrolment), zeros included; they add up to total.",
        "type": "object",
        "properties": {state.value: {"type": "integer"} for state in SectorState},
        "required": [state.value for state in SectorState], "additionalProperties": False})
    organisations = fields.List(fields.Nested(OrganisationStateSchema), metadata={
        "description": "One page of the sector's organisations (`page`, `page_size`): the "
                       "ministry first, then each ministry's agencies, by name."})

    def state_counts(self, overview) -> dict[str, int]:
        return {state.value: number for state, number in overview.counts.items()}


class SectorFilter(StrictSchema):
    ministry = QueryId("The ministry whose sector to show. Coordinators: any ministry, or leave "
                  "out for the whole state. Ministry viewers: their own (the default); another "
                  "ministry's is a 404.")


# The survey's results (issue 12): the same figures as the pages, under the same rules
# (tracker/surveys/results.py).


def _texts(record, stem: str) -> dict[str, str]:
    return {language: record.text(stem, language) for language in ("nb", "nn", "en")}


TEXTS = {"type": "object", "properties": {l: {"type": "string"} for l in ("nb", "nn", "en")},
         "required": ["nb", "nn", "en"], "additionalProperties": False}


def Score(description: str, **kwargs) -> fields.Float:
    return fields.Float(metadata={"description": description}, **kwargs)


class FactorScoreSchema(StrictSchema):
    respondents = fields.Integer(metadata={"description": "Respondents with a score for the factor."})
    mean = Score("The mean of the respondents' factor scores, two decimals.")
    spread = Score("The population standard deviation of the respondents' factor scores; "
                   "null with fewer than five.", allow_none=True)


class RoundStateSchema(StrictSchema):
    id = fields.Integer(attribute="round.id")
    kind = fields.Function(lambda r: r.round.kind.value,
                           metadata={"type": "string", "enum": ["baseline", "final"]})
    answered = fields.Integer(metadata={"description": "How many have answered."})
    minimum = fields.Integer(metadata={"description": "The answers needed before results show."})
    closed = fields.Boolean(metadata={"description": "Closed by a coordinator or past its closing day."})
    shown = fields.Boolean(metadata={"description": "Whether its results may be shown: closed, "
                                                    "and at least the minimum answered."})


class FactorRowSchema(StrictSchema):
    part = fields.String(attribute="part.code")
    code = fields.String(attribute="factor.code")
    name = fields.Function(lambda row: _texts(row.factor, "name"), metadata=TEXTS)
    baseline = fields.Nested(FactorScoreSchema, allow_none=True)
    final = fields.Nested(FactorScoreSchema, allow_none=True)
    change = Score("Final mean minus baseline mean; null unless both are shown.", allow_none=True)


class OpenAnswersSchema(StrictSchema):
    round = fields.String(metadata={"type": "string", "enum": ["baseline", "final"]})
    question = fields.String(metadata={"description": "The question's code."})
    text = fields.Function(lambda a: _texts(a["question_record"], "text"), metadata=TEXTS)
    answers = fields.List(fields.String(), metadata={
        "description": "The answers, in a new random order each time."})


class GroupSurveyResultsSchema(StrictSchema):
    enrolment = fields.Integer(attribute="enrolment.id")
    baseline = fields.Nested(RoundStateSchema, allow_none=True)
    final = fields.Nested(RoundStateSchema, allow_none=True)
    factors = fields.List(fields.Nested(FactorRowSchema), attribute="rows")
    open_answers = fields.Method("open_answer_list", allow_none=True, metadata={
        "description": "For coordinators and the group's own leaders, from rounds whose "
                       "results are shown; null for everyone else.",
        "type": "array", "nullable": True, "items": {"type": "object"}})

    def open_answer_list(self, results):
        if results.open_answers is None:
            return None
        return OpenAnswersSchema(many=True).dump([
            {"round": kind, "question": a.question.code, "question_record": a.question,
             "answers": a.texts}
            for kind, answers in results.open_answers.items() for a in answers])


class FactorSummarySchema(StrictSchema):
    code = fields.String()
    name = fields.Function(lambda s: _texts(s.factor, "name"), metadata=TEXTS)
    groups = fields.Integer(metadata={"description": "Groups compared on this factor."})
    improved = fields.Integer(metadata={"description": "Of those, groups whose final mean is "
                                                       "above their baseline mean."})
    share_improved = Score("improved / groups, two decimals.")
    baseline = Score("The groups' average baseline mean.")
    final = Score("The groups' average final mean.")
    change = Score("The groups' average change.")


class ComparisonSchema(StrictSchema):
    groups_with_rounds = fields.Integer(attribute="with_rounds")
    groups_counted = fields.Integer(attribute="counted", metadata={
        "description": "Groups whose baseline and final are both shown."})
    least_groups = fields.Integer(metadata={
        "description": "Groups needed before any factor is shown."})
    shown = fields.Boolean()
    factors = fields.List(fields.Nested(FactorSummarySchema))
