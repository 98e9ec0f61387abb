from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.bounds import bounded_int
from tracker.extensions import db
from tracker.forms import Form, VersionedForm
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.groups.services import INITIAL_STATUSES, allowed_transitions
from tracker.i18n import current_language
from tracker.organisations.models import Organisation, OrganisationKind


def strip(value):
    return value.strip() if isinstance(value, str) else value


NOTES_HELP = _l("What coordinators should know about the group, such as contact arrangements. "
                "At most 2000 characters; shown to programme staff only.")

ENROLLABLE_KINDS = {
    OrganisationKind.MINISTRY: _l("Ministries"),
    OrganisationKind.DIRECTORATE: _l("Directorates and agencies"),
}


class EnrolForm(Form):
    """Several organisations at once, ticked in a picker; all are enrolled, or none."""

    organisation = SelectMultipleField(
        _l("Organisations"),
        validate_choice=False,
        validators=[DataRequired(_l("Choose at least one organisation."))],
        description=_l("Ministries and agencies not in this cohort yet, each with the cohorts it "
                       "took part in before. An organisation cannot take part in two cohorts at "
                       "the same time."),
    )
    status = SelectField(
        _l("Status"),
        validators=[DataRequired(_l("Choose a status."))],
        description=_l("Invited when the offer is sent; confirmed when the organisation has "
                       "said yes."),
    )
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=2000)],
                          description=NOTES_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(s.name, s.label) for s in INITIAL_STATUSES]
        if not self.is_submitted():
            self.status.data = EnrolmentStatus.INVITED.name
        self._chosen: list[Organisation] = []

    def validate_organisation(self, field) -> None:
        ids = set()
        for value in field.data or []:
            # An id the id column can hold (not "²", not 2^31): anything else is no choice.
            if (number := bounded_int(value, minimum=1)) is None:
                raise ValidationError(_l("Choose organisations from the list."))
            ids.add(number)
        if len(ids) > 50:  # more than any cohort's capacity
            raise ValidationError(_l("Choose organisations from the list."))
        chosen = db.session.scalars(
            select(Organisation).where(Organisation.id.in_(ids),
                                       Organisation.kind.in_(list(ENROLLABLE_KINDS)))
        ).all()
        if len(chosen) != len(ids):
            raise ValidationError(_l("Choose organisations from the list: only ministries and "
                                     "agencies take part."))
        self._chosen = list(chosen)

    def chosen_organisations(self) -> list[Organisation]:
        return self._chosen

    def chosen_status(self) -> EnrolmentStatus:
        return EnrolmentStatus[self.status.data]


class PickerFilterForm(Form):
    """The picker's filters, sent by GET: part of a name, and a ministry's sector."""

    class Meta:
        csrf = False

    q = StringField(_l("Name contains"), filters=[strip], validators=[Length(max=200)],
                    description=_l("Part of the name or short name."))
    ministry = SelectField(_l("Sector"), validate_choice=False,
                           description=_l("A ministry and its agencies."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        self.ministry.choices = [SelectChoice("", str(_l("All sectors")))] + [
            SelectChoice(str(m.id), m.name(language)) for m in db.session.scalars(
                select(Organisation).where(Organisation.kind == OrganisationKind.MINISTRY)
                .order_by(Organisation.name_nb))
        ]

    def chosen_ministry(self) -> int | None:
        value = self.ministry.data or ""
        return bounded_int(value, minimum=1)


class StatusForm(VersionedForm):
    status = SelectField(
        _l("New status"),
        # Any status passes here: whether the move is allowed is the service's rule, checked
        # after the version, so a form opened before someone else's change gets a conflict.
        validate_choice=False,
        validators=[DataRequired(_l("Choose the new status."))],
        description=_l("Only the steps allowed from the group's current status are offered. "
                       "Completed and withdrawn are final."),
    )
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[Length(max=500)],
        description=_l("Why the status changes; kept in the group's status history. "
                       "Required when the group withdraws. At most 500 characters."),
    )
    cancel_sessions = BooleanField(
        _l("Cancel the group's future sessions"),
        default=True,
        description=_l("When the group withdraws: its own sessions still planned are cancelled, "
                       "with the reason above, and leave its calendar as cancelled. Joint "
                       "sessions stay for the other groups."),
    )

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        super().__init__(*args, record=enrolment, **kwargs)
        self.status.choices = [SelectChoice("", str(_l("Choose the new status")))] + [
            SelectChoice(s.name, s.label) for s in allowed_transitions(enrolment.status)
        ]

    def validate_status(self, field) -> None:
        if field.data not in EnrolmentStatus.__members__:
            raise ValidationError(_l("Choose one of the statuses offered."))

    def chosen_status(self) -> EnrolmentStatus:
        return EnrolmentStatus[self.status.data]


class NotesForm(VersionedForm):
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=2000)],
                          description=NOTES_HELP)

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        if request.method == "GET":
            kwargs.setdefault("data", {"notes": enrolment.notes})
        super().__init__(*args, record=enrolment, **kwargs)
