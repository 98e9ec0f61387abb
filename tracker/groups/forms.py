from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

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


def organisation_choices() -> list[SelectChoice]:
    """Ministries, then directorates and agencies, each by name, after an empty first choice."""
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind.in_(ENROLLABLE_KINDS))
        .order_by(Organisation.name_nb)
    ).all()
    language = current_language()
    choices = [SelectChoice("", str(_l("Choose an organisation")))]
    for kind, group in ENROLLABLE_KINDS.items():
        choices += [
            SelectChoice(str(o.id), o.name(language) + (f" ({o.short_name})" if o.short_name else ""),
                         optgroup=str(group))
            for o in organisations if o.kind is kind
        ]
    return choices


class EnrolForm(Form):
    organisation = SelectField(
        _l("Organisation"),
        validators=[DataRequired(_l("Choose an organisation."))],
        description=_l("The ministry or agency whose top leader and management group take part. "
                       "It cannot take part in another cohort at the same time."),
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
        self.organisation.choices = organisation_choices()
        self.status.choices = [SelectChoice(s.name, s.label) for s in INITIAL_STATUSES]
        if not self.is_submitted():
            self.status.data = EnrolmentStatus.INVITED.name

    def chosen_organisation(self) -> Organisation:
        return db.session.get(Organisation, int(self.organisation.data))

    def chosen_status(self) -> EnrolmentStatus:
        return EnrolmentStatus[self.status.data]


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
