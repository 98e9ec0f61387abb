"""What the API's JSON looks like, in and out. Every schema refuses fields it does not know."""

from flask_login import current_user
from marshmallow import RAISE, Schema, fields, validate

from tracker import clock
from tracker.access import allows
from tracker.cohorts.models import Season
from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole
from tracker.organisations.models import OrganisationKind
from tracker.programmes.models import ModuleKind
from tracker.reports.services import SectorState
from tracker.schedule.models import AttendanceStatus, SessionStatus

UTC_NOTE = "An instant in ISO 8601, in UTC with its offset (`+00:00`)."


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class Text(fields.String):
    """A string without the spaces around it."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def Id(description: str, **kwargs) -> fields.Integer:
    return fields.Integer(strict=True, metadata={"description": description}, **kwargs)


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
    notes = fields.String()
    status = fields.Method("cohort_status", metadata={
        "description": "`planned`, `running` or `completed`, today in Oslo.",
        "type": "string", "enum": ["planned", "running", "completed"]})

    def cohort_status(self, cohort) -> str:
        return cohort.status(clock.today()).value


class CohortFactsInput(StrictSchema):
    """The facts of a cohort, as a coordinator sends them."""

    label = Text(required=True, validate=validate.Length(min=1, max=60), metadata={
        "description": "At most 60 characters; not another cohort's in the programme."})
    ordinal = fields.Integer(strict=True, required=True, metadata={
        "description": "0 for a pilot, 1 for Kull 1 and so on; not another cohort's."})
    season = fields.Enum(Season, by_value=True, required=True)
    year = fields.Integer(strict=True, required=True, metadata={
        "description": "The term's year, within a year of the start date's."})
    start_date = fields.Date(required=True)
    planned_end = fields.Date(allow_none=True, metadata={
        "description": "After the start date; null or left out: the start date plus the "
                       "programme's course length."})
    capacity = fields.Integer(strict=True, allow_none=True, metadata={
        "description": "1 to 50; null or left out: the programme's usual number."})
    notes = Text(validate=validate.Length(max=2000), metadata={
        "description": "At most 2000 characters."})


class CohortCreateInput(CohortFactsInput):
    programme = Id("The programme whose course the cohort takes.", required=True)


class CohortUpdateInput(CohortFactsInput):
    """Only the facts sent change; `version` is the one the cohort was read at."""

    version = fields.Integer(strict=True, required=True, metadata={
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
    notes = Text(load_default="", validate=validate.Length(max=2000))


class EnrolmentFilter(StrictSchema):
    cohort = fields.Integer(metadata={
        "description": "Only this cohort's groups (404 when you may not see the cohort)."})


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
    cohort = fields.Integer(metadata={
        "description": "Only this cohort's sessions (404 when you may not see the cohort)."})


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
    note = Text(load_default="", validate=validate.Length(max=500), metadata={
        "description": "At most 500 characters."})


class AttendanceInput(StrictSchema):
    version = fields.Integer(strict=True, required=True, metadata={
        "description": "The session's version when you read its attendance."})
    attendance = fields.List(fields.Nested(AttendanceMarkInput), required=True, metadata={
        "description": "One entry for each person to record; people left out keep what is "
                       "recorded for them."})


# The sector overview


class ParticipationSchema(StrictSchema):
    enrolment = fields.Integer(attribute="enrolment.id")
    cohort = fields.Integer(attribute="cohort.id")
    status = fields.Enum(EnrolmentStatus, by_value=True)
    status_since = fields.Date(allow_none=True, metadata={
        "description": "The day (in Oslo) of the latest status change; null when none is "
                       "recorded."})


class OrganisationStateSchema(StrictSchema):
    organisation = fields.Integer(attribute="organisation.id")
    name_nb = fields.String(attribute="organisation.name_nb")
    short_name = fields.String(attribute="organisation.short_name", allow_none=True)
    owning_ministry = fields.Integer(attribute="organisation.owning_ministry_id", allow_none=True)
    state = fields.Method("state_value", metadata={
        "description": "Where the organisation stands, from its latest enrolment.",
        "type": "string", "enum": [state.value for state in SectorState]})
    enrolment = IdOf("enrolment", "Its latest enrolment; null when it never took part.")
    cohort = IdOf("cohort", "That enrolment's cohort.")
    month = fields.Integer(allow_none=True, metadata={
        "description": "While in progress: the month of the course it is in."})
    course_length = fields.Integer(allow_none=True, metadata={
        "description": "While in progress: the course's length in months."})
    completed_on = fields.Date(allow_none=True)
    history = fields.List(fields.Nested(ParticipationSchema), metadata={
        "description": "Every enrolment, oldest cohort first."})

    def state_value(self, row) -> str:
        return row.state.value


class SectorOverviewSchema(StrictSchema):
    ministry = IdOf("ministry", "The ministry whose sector this is; null for the whole state.")
    today = fields.Date(metadata={"description": "The day (in Oslo) the states are for."})
    total = fields.Integer(metadata={"description": "How many organisations the sector has."})
    completed_share = fields.Float(metadata={
        "description": "The percentage of the sector's organisations that have completed."})
    counts = fields.Method("state_counts", metadata={
        "description": "How many organisations are in each state, zeros included.",
        "type": "object", "additionalProperties": {"type": "integer"}})
    organisations = fields.List(fields.Nested(OrganisationStateSchema), metadata={
        "description": "The ministry first, then each ministry's agencies, by name."})

    def state_counts(self, overview) -> dict[str, int]:
        return {state.value: number for state, number in overview.counts.items()}


class SectorFilter(StrictSchema):
    ministry = fields.Integer(metadata={
        "description": "The ministry whose sector to show. Coordinators: any ministry, or "
                       "leave out for the whole state. Ministry viewers: their own (the "
                       "default); another ministry's is a 404."})
