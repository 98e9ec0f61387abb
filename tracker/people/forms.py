from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from tracker.bounds import bounded_int
from tracker.extensions import db
from tracker.forms import Form, VersionedForm, no_control_characters
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Person
from tracker.i18n import current_language
from tracker.organisations.models import Organisation
from tracker.domain import DomainError
from tracker.people.services import (
    EMAIL_LENGTH,
    NAME_LENGTH,
    PASTE_LINES,
    TITLE_LENGTH,
    EmailTaken,
    find_candidates,
)


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
        # The person who already has the address typed, offered instead of a duplicate.
        self.offered_person: Person | None = None

    def add_domain_error(self, error: DomainError) -> None:
        if isinstance(error, EmailTaken):
            self.offered_person = error.person
        super().add_domain_error(error)

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
    """Who joins a group: someone already in the tracker, found by a search, or a new person
    typed in here."""

    person = RadioField(
        _l("Existing person"),
        validate_choice=False,
        description=_l("People found by the search above; with no search, people at the group's "
                       "organisation. To add someone who is not in the tracker yet, choose "
                       "“Nobody” and fill in the fields below."),
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

    def __init__(self, *args, enrolment: Enrolment, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen_person: Person | None = None
        # The person who already has the address typed for a new one, offered instead.
        self.offered_person: Person | None = None
        self.enrolment = enrolment
        self.found = find_candidates(enrolment, search)
        self._set_choices()

    def _set_choices(self) -> None:
        people = list(self.found)
        # A person chosen from an earlier search stays on the page the form is sent back to.
        for extra in (self.chosen_person, self.offered_person):
            if extra is not None and extra not in people:
                people.insert(0, extra)
        self.person.choices = [SelectChoice("", str(_l("Nobody: a new person below")))] + [
            SelectChoice(str(p.id), f"{p.name} ({p.email})" if p.email else p.name) for p in people
        ]

    def add_domain_error(self, error: DomainError) -> None:
        if isinstance(error, EmailTaken):
            self.offered_person = error.person
            self._set_choices()
            error = DomainError(
                _l("%(name)s already has this email address: choose %(name)s under “Existing "
                   "person” and save to add that person instead.", name=error.person.name),
                field=error.field)
        super().add_domain_error(error)

    def validate_person(self, field):
        typed_new = self.new_name.data or self.new_email.data or self.new_title.data
        if not field.data:
            if not typed_new:
                raise ValidationError(_l("Choose a person, or fill in name and email for a new one."))
            return
        if typed_new:
            raise ValidationError(_l("Choose an existing person, or fill in a new one, not both."))
        number = bounded_int(field.data, minimum=1)
        person = db.session.get(Person, number) if number is not None else None
        if person is None or person.erased_at is not None:
            raise ValidationError(_l("Choose a person from the list."))
        self.chosen_person = person
        self._set_choices()

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


PASTE_LENGTH = 10_000  # bounds.MAX_TEXT, the longest text any field takes


class PasteMembersForm(Form):
    """Several members at once: a line per person, checked and shown before anything is saved."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if field.name == "lines":
                # Control characters are refused line by line, naming the line, by the service
                # that reads the paste; refusing the whole field here would name none.
                field.validators = [v for v in field.validators if v is not no_control_characters]
            return field

    lines = TextAreaField(
        _l("Members, one per line"),
        validators=[DataRequired(_l("Paste at least one line of name, email and role.")),
                    Length(max=PASTE_LENGTH)],
        description=_l("Name, email and role on each line, separated by commas, semicolons or tabs "
                       "(as copied from a spreadsheet). Roles: top leader, member or contact; "
                       "empty means member. At most %(n)s lines. Someone whose address is "
                       "already in the tracker is added as they are, not created again.",
                       n=PASTE_LINES),
    )
    joined_on = DateField(_l("Joined on"), validators=[InputRequired(_l("Enter a date."))],
                          description=_l("The day they all joined the group; at the latest the "
                                         "cohort's planned end."))
