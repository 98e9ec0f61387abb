"""Forms of the schedule: accepting a proposal, and a session. A session's attendance: attendance_forms."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker import clock
from tracker.forms import Form, VersionedForm
from tracker.groups.models import Enrolment
from tracker.i18n import current_language, span
from tracker.programmes.models import CourseModule
from tracker.schedule.models import Session, SessionStatus
from tracker.domain import DomainError
from tracker.schedule.proposals import ProposalChanged, ProposedSession
from tracker.schedule.sessions import REASON_MAX
from tracker.schedule.warnings import UnseenWarnings, Warning

LOCATION_MAX = 200
NOTE_MAX = 500


class DateInput(DateField):
    """A date box that leaves an empty box to the required check, so it gets one message."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class TimeInput(TimeField):
    """A time box that leaves an empty box to the required check, so it gets one message."""

    def __init__(self, *args, **kwargs):
        # "09.00" is how Norwegians write it (and the help text's example); "09:00" too.
        kwargs.setdefault("format", ["%H:%M", "%H.%M"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


# Accepting a proposal


class ProposalForm(Form):
    """One box per proposed session, all ticked at first; built for the proposal shown."""

    fingerprint = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set when the proposal changed under the coordinator: the page answers 409 Conflict.
        self.proposal_changed = False

    def add_domain_error(self, error: DomainError) -> None:
        """A refusal next to its field; when the proposal changed after it was shown, nothing
        was saved and the form starts again from the new proposal, every box ticked."""
        if isinstance(error, ProposalChanged):
            for name, box in self._fields.items():
                if name.startswith("include_"):
                    box.data, box.raw_data, box.errors = True, [], []
            self.proposal_changed = True
        super().add_domain_error(error)

    @classmethod
    def for_proposals(cls, proposals: list[ProposedSession], **kwargs) -> "ProposalForm":
        language = current_language()

        class Bound(cls):
            pass

        for proposal in proposals:
            who = (proposal.enrolment.organisation.name(language) if proposal.enrolment
                   else str(_l("all groups")))
            setattr(Bound, field_name(proposal), BooleanField(
                _l("%(module)s, %(who)s", module=proposal.module.name(language), who=who),
                default=True,
                description=_l("Week %(week)s of the course plan. Untick to leave it out for now; "
                               "it is proposed again next time.", week=proposal.module.offset_weeks),
            ))
        return Bound(**kwargs)

    def accepted_keys(self, proposals: list[ProposedSession]) -> list[str]:
        return [p.key for p in proposals if self[field_name(p)].data]


def field_name(proposal: ProposedSession) -> str:
    return f"include_{proposal.key}"


# Creating and editing a session


class SessionFields(Form):
    """When and where a session is, and its status: what both session forms ask."""

    start_date = DateInput(
        _l("Date"),
        validators=[DataRequired(_l("Enter the date the session starts."))],
        invalid_value_message=_l("Enter a date as year-month-day, for example 2017-03-06."),
        description=_l("The day the session starts."),
    )
    start_time = TimeInput(
        _l("Starts at"),
        validators=[DataRequired(_l("Enter when the session starts."))],
        invalid_value_message=_l("Enter a time as hours and minutes, for example 09:00."),
        description=_l("Oslo time, for example 09:00."),
    )
    end_date = DateInput(
        _l("Last day"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a date as year-month-day, for example 2017-03-07."),
        description=_l("For a session of several days; leave empty when it ends the day it starts."),
    )
    end_time = TimeInput(
        _l("Ends at"),
        validators=[DataRequired(_l("Enter when the session ends."))],
        invalid_value_message=_l("Enter a time as hours and minutes, for example 15:00."),
        description=_l("Oslo time, on the last day. Moving the start moves the end with it, "
                       "unless you change the end too."),
    )
    location = StringField(
        _l("Location"),
        validators=[Length(max=LOCATION_MAX, message=_l("At most %(max)d characters."))],
        description=_l('Where it is held, for example "Difi, Grev Wedels plass 9, Oslo" or '
                       '"Hos Udir".'),
    )
    status = SelectField(
        _l("Status"),
        validate_choice=False,
        description=_l("Planned until it takes place; then held, or cancelled if it did not."),
    )
    cancellation_reason = TextAreaField(
        _l("Reason for cancelling"),
        validators=[Length(max=REASON_MAX, message=_l("At most %(max)d characters."))],
        description=_l("Required when the session is cancelled; shown with it wherever it is "
                       "listed. At most 500 characters."),
    )
    acknowledge = BooleanField(
        _l("I have seen the warnings, save anyway"),
        description=_l("A coordinator may hold a session on a Saturday or in a school break on "
                       "purpose."),
    )
    seen_warnings = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(s.name, s.label) for s in SessionStatus]
        # The warnings a refused save showed, for the user to confirm before saving again.
        self.warnings: list[Warning] = []

    def add_domain_error(self, error: DomainError) -> None:
        """A refusal next to its field; for warnings not yet confirmed, also show them, untick
        the box and remember which warnings were shown (their key), so ticking it saves these
        times and no others."""
        super().add_domain_error(error)
        if isinstance(error, UnseenWarnings):
            self.warnings = error.warnings
            self.acknowledge.data, self.acknowledge.raw_data = False, []
            self.seen_warnings.data, self.seen_warnings.raw_data = error.key, [error.key]

    def confirmed_warnings(self) -> str | None:
        """The key of the warnings the user confirmed seeing, when the box is ticked."""
        return self.seen_warnings.data if self.acknowledge.data else None

    def validate_status(self, field):
        if field.data not in SessionStatus.__members__:
            raise ValidationError(_l("Choose planned, held or cancelled."))

    def starts_at(self) -> datetime:
        return clock.oslo_time(self.start_date.data, self.start_time.data)

    def ends_at(self) -> datetime:
        return clock.oslo_time(self.end_date.data or self.start_date.data, self.end_time.data)

    def chosen_status(self) -> SessionStatus:
        return SessionStatus[self.status.data]

    def show_end(self, ends_at: datetime) -> None:
        """Put this end in the boxes, over what was typed: the end a moved start took along,
        shown with the warnings about it, so the confirmed save is what the boxes say."""
        starts = self.start_date.data
        ends = ends_at.astimezone(clock.OSLO)
        self.end_date.data = ends.date() if ends.date() != starts else None
        self.end_time.data = ends.time()
        self.end_date.raw_data = self.end_time.raw_data = None

    def show_times(self, session: Session) -> None:
        """Fill the boxes from a saved session, in Oslo time."""
        starts, ends = session.starts_at.astimezone(clock.OSLO), session.ends_at.astimezone(clock.OSLO)
        self.start_date.data, self.start_time.data = starts.date(), starts.time()
        self.end_date.data = ends.date() if ends.date() != starts.date() else None
        self.end_time.data = ends.time()
        self.location.data = session.location
        self.status.data = session.status.name
        self.cancellation_reason.data = session.cancellation_reason


class NewSessionForm(SessionFields):
    module = SelectField(
        _l("Module"),
        validate_choice=False,
        description=_l("The step of the course plan this session is."),
    )
    group = SelectField(
        _l("For"),
        validate_choice=False,
        description=_l("The whole cohort (a joint session), or one leadership group."),
    )

    def __init__(self, *args, modules: list[CourseModule], enrolments: list[Enrolment], **kwargs):
        """`modules`: the programme's course plan; `enrolments`: the cohort's groups. Only
        these may be chosen."""
        super().__init__(*args, **kwargs)
        language = current_language()
        self.module.choices = [SelectChoice("", str(_l("Choose a module")))] + [
            SelectChoice(str(m.id), f"{m.position}. {m.name(language)}") for m in modules
        ]
        self.group.choices = [SelectChoice("", str(_l("The whole cohort (joint session)")))] + [
            SelectChoice(str(e.id), e.organisation.name(language) + (
                f" ({e.status.label})" if not e.is_taking_part else ""))
            for e in enrolments
        ]
        self._modules = {str(m.id): m for m in modules}
        self._enrolments = {str(e.id): e for e in enrolments}

    def validate_module(self, field):
        if field.data not in self._modules:
            raise ValidationError(_l("Choose a module from this programme's course plan."))

    def validate_group(self, field):
        if field.data and field.data not in self._enrolments:
            raise ValidationError(_l("Choose a group in this cohort, or the whole cohort."))

    def prefill(self, args) -> None:
        """Fill the form from its address, as "Plan a replacement" links to it: module, group
        and times (see `tracker.schedule.sessions.Replacement`). Anything unreadable is left
        out; the checks on saving are the same as ever."""
        if args.get("module") in self._modules:
            self.module.data = args["module"]
        if args.get("group") in self._enrolments:
            self.group.data = args["group"]
        for name in ("start_date", "end_date", "start_time", "end_time"):
            box = self[name]
            if name in args:
                try:
                    box.process_formdata([args[name][:10]])
                except ValueError:
                    box.data = None

    def chosen_module(self) -> CourseModule | None:
        return self._modules.get(self.module.data)

    def chosen_enrolment(self) -> Enrolment | None:
        return self._enrolments.get(self.group.data)


class EditSessionForm(VersionedForm, SessionFields):
    """Moving a session, or changing its place or status; guarded by its version."""

    tell = BooleanField(
        _l("Tell the people expected"),
        default=True,
        description=_l("When the time or place changes or the session is cancelled, everyone "
                       "listed gets an e-mail with a calendar update. Untick for a correction "
                       "nobody needs to hear about: calendar feeds still show the change."),
    )


def saved_time(session: Session) -> str:
    """A session's times as a conflict shows the saved values."""
    return span(session.starts_at, session.ends_at, short=True)
