from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, DateField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from tracker.extensions import db
from tracker.forms import Form, VersionedForm
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Person
from tracker.i18n import current_language
from tracker.organisations.models import Organisation
from tracker.people.services import EMAIL_LENGTH, NAME_LENGTH, TITLE_LENGTH, candidates_for


class EraseForm(Form):
    confirm = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[DataRequired(_l("Tick the box to confirm the erasure."))],
        description=_l("Name, email, title and attendance notes are removed for good, with "
                       "their calendar addresses, the copies of mail that name them and their "
                       "sign-in account, if they have one. Attendance stays counted, without a "
                       "name."),
    )


def strip(value):
    return value.strip() if isinstance(value, str) else value


def organisation_choices() -> list[tuple[str, str]]:
    language = current_language()
    return [("", str(_l("None")))] + [
        (str(o.id), o.name(language) + (f" ({o.short_name})" if o.short_name else ""))
        for o in db.session.scalars(select(Organisation).order_by(Organisation.name_nb))
    ]


class PersonForm(Form):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[DataRequired(_l("Enter the person's name.")), Length(max=NAME_LENGTH)],
                       description=_l("First and last name, as the person writes it."))
    email = EmailField(_l("Email"), filters=[strip],
                       validators=[DataRequired(_l("Enter an email address.")),
                                   Email(_l("Enter a valid email address."), check_deliverability=False),
                                   Length(max=EMAIL_LENGTH)],
                       description=_l("Their work address. One person per address; stored in lower case."))
    title = StringField(_l("Title"), filters=[strip], validators=[Length(max=TITLE_LENGTH)],
                        description=_l("Optional. For example “Direktør” or “Ekspedisjonssjef”."))
    organisation = SelectField(_l("Organisation"),
                               description=_l("Where the person works. Optional."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = organisation_choices()

    def chosen_organisation(self) -> Organisation | None:
        return db.session.get(Organisation, int(self.organisation.data)) if self.organisation.data else None

    def values(self) -> dict:
        return {"name": self.name.data, "email": self.email.data, "title": self.title.data,
                "organisation": self.chosen_organisation()}


class EditPersonForm(VersionedForm, PersonForm):
    pass


def role_choices() -> list[tuple[str, str]]:
    return [(role.name, role.label) for role in MemberRole]


class PersonChoiceFields(Form):
    """Who joins a group: someone already in the tracker, or a new person typed in here."""

    person = SelectField(
        _l("Existing person"),
        validate_choice=False,
        description=_l("People at the group's organisation are listed first. To add someone who is "
                       "not in the tracker yet, leave this empty and fill in the fields below."),
    )
    new_name = StringField(_l("New person's name"), filters=[strip],
                           validators=[Optional(), Length(max=NAME_LENGTH)],
                           description=_l("Only for someone not in the list above."))
    new_email = EmailField(_l("New person's email"), filters=[strip],
                           validators=[Optional(), Email(_l("Enter a valid email address."),
                                                         check_deliverability=False),
                                       Length(max=EMAIL_LENGTH)],
                           description=_l("Their work address; one person per address."))
    new_title = StringField(_l("New person's title"), filters=[strip],
                            validators=[Optional(), Length(max=TITLE_LENGTH)],
                            description=_l("Optional. For example “Direktør”."))

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_person: Person | None = None
        own_group = str(_l("At %(organisation)s", organisation=enrolment.organisation.name(current_language())))
        others_group = str(_l("Elsewhere"))
        choices = [SelectChoice("", str(_l("Nobody chosen: a new person below")))]
        # Sorted with the group's own organisation first, so each optgroup is one run.
        for person in db.session.scalars(candidates_for(enrolment)):
            label = f"{person.name} ({person.email})" if person.email else person.name
            own = person.organisation_id == enrolment.organisation_id
            choices.append(SelectChoice(str(person.id), label, optgroup=own_group if own else others_group))
        self.person.choices = choices

    def validate_person(self, field):
        typed_new = self.new_name.data or self.new_email.data or self.new_title.data
        if not field.data:
            if not typed_new:
                raise ValidationError(_l("Choose a person, or fill in name and email for a new one."))
            return
        if typed_new:
            raise ValidationError(_l("Choose an existing person, or fill in a new one, not both."))
        person = db.session.get(Person, int(field.data)) if field.data.isdigit() else None
        if person is None or person.erased_at is not None:
            raise ValidationError(_l("Choose a person from the list."))
        self.chosen_person = person

    def person_values(self) -> dict:
        """The chosen person, or the new person's values, as `add_membership` takes them."""
        if self.chosen_person is not None:
            return {"person": self.chosen_person}
        return {"new_person": {"name": self.new_name.data, "email": self.new_email.data,
                               "title": self.new_title.data}}


class MembershipFields(Form):
    role = SelectField(_l("Role in the group"), validators=[DataRequired(_l("Choose a role."))],
                       description=_l("The group has one top leader at a time. A contact arranges "
                                      "practical matters for the group."))
    joined_on = DateField(_l("Joined on"), validators=[InputRequired(_l("Enter a date."))],
                          description=_l("The day the person joined the group; at the latest the "
                                         "cohort's planned end."))
    left_on = DateField(_l("Left on"), validators=[Optional()],
                        description=_l("Optional. The day the person left the group; empty while "
                                       "they are in it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()

    def values(self) -> dict:
        return {"role": MemberRole[self.role.data], "joined_on": self.joined_on.data,
                "left_on": self.left_on.data}


class NewMembershipForm(PersonChoiceFields, MembershipFields):
    pass


class EditMembershipForm(VersionedForm, MembershipFields):
    pass
