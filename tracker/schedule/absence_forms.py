"""Forms of a notice of absence: giving one (who, why, a stand-in), withdrawing it, and a
coordinator's answer to a stand-in."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.bounds import bounded_int
from tracker.forms import Form
from tracker.i18n import current_language
from tracker.people.models import Person
from tracker.people.services import EMAIL_LENGTH, NAME_LENGTH
from tracker.schedule.absence import REASON_MAX, NewStandIn, Speakable


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _an_id(message):
    def check(form, field):
        if field.data and bounded_int(field.data, minimum=1) is None:
            raise ValidationError(message)
    return check


class NoticeForm(Form):
    """Who cannot come, why (optional), and who could come instead (optional): someone of the
    organisation from the list, or a new person by name and email."""

    person = SelectField(
        _l("Who cannot come"), validate_choice=False,
        validators=[DataRequired(_l("Who cannot come: choose a person.")),
                    _an_id(_l("Who cannot come: choose a person from the list."))],
    )
    reason = TextAreaField(
        _l("Reason (optional)"), filters=[_strip],
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Only the coordinators, the person who cannot come and whoever gives the "
                       "notice read it. Leave out health details."),
    )
    stand_in = SelectField(
        _l("Stand-in (optional)"), validate_choice=False,
        validators=[Optional(), _an_id(_l("Stand-in: choose someone from the list."))],
        description=_l("Someone from the same organisation who could come instead. A "
                       "coordinator accepts or declines the stand-in."),
    )
    stand_in_name = StringField(
        _l("New stand-in's name"), filters=[_strip],
        validators=[Optional(), Length(max=NAME_LENGTH)],
        description=_l("Only for a stand-in not in the list above."),
    )
    stand_in_email = EmailField(
        _l("New stand-in's email"), filters=[_strip],
        validators=[Optional(), Email(_l("New stand-in's email: enter a valid email address."),
                                      check_deliverability=False),
                    Length(max=EMAIL_LENGTH)],
        description=_l("Their work address: they are told there if the stand-in is accepted."),
    )

    def __init__(self, *args, speakable: list[Speakable], candidates: list[Person], **kwargs):
        super().__init__(*args, **kwargs)
        self.person.choices = [SelectChoice(str(s.person.id), s.person.name or "") for s in speakable]
        if len(speakable) != 1:
            self.person.choices.insert(0, SelectChoice("", str(_l("Choose a person"))))
        self.stand_in.choices = [SelectChoice("", str(_l("No stand-in, or a new one below")))] + [
            SelectChoice(str(p.id), f"{p.name} ({p.organisation.short_label(current_language())})"
                         if p.organisation else p.name or "")
            for p in candidates
        ]

    def validate_stand_in_name(self, field):
        if field.data and not self.stand_in_email.data:
            raise ValidationError(_l("New stand-in's email: enter their address too."))

    def validate_stand_in_email(self, field):
        if field.data and not self.stand_in_name.data:
            raise ValidationError(_l("New stand-in's name: enter their name too."))
        if field.data and self.stand_in.data:
            raise ValidationError(_l("New stand-in's email: choose a stand-in from the list or "
                                     "give a new one, not both."))

    @property
    def person_id(self) -> int | None:
        return bounded_int(self.person.data, minimum=1)

    @property
    def stand_in_id(self) -> int | None:
        return bounded_int(self.stand_in.data, minimum=1) if self.stand_in.data else None

    @property
    def new_stand_in(self) -> NewStandIn | None:
        if self.stand_in_email.data and self.stand_in_name.data:
            return NewStandIn(self.stand_in_name.data, self.stand_in_email.data)
        return None


class NoticeChoiceForm(Form):
    """Withdrawing a notice (the button beside it)."""

    notice = IntegerField(_l("Notice"), widget=HiddenInput(),
                          validators=[DataRequired(_l("Notice: choose a notice of absence."))])


class StandInDecisionForm(NoticeChoiceForm):
    """A coordinator's answer to the stand-in a notice names: two buttons, accept or decline."""

    decision = StringField(_l("Decision"), validators=[
        DataRequired(_l("Decision: accept or decline the stand-in.")),
        AnyOf(["accept", "decline"], message=_l("Decision: accept or decline the stand-in.")),
    ])
