from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from tracker.bounds import bounded_int
from tracker.extensions import db
from tracker.forms import Form
from tracker.i18n import current_language
from tracker.organisations.models import Organisation
from tracker.programmes.models import Programme
from tracker.roles import Role


def trimmed(value: object) -> object:
    """An address without the spaces a paste brings along (the filter on every e-mail field)."""
    return value.strip() if isinstance(value, str) else value


def organisation_choices() -> list[tuple[str, str]]:
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name_nb))
    return [("", str(_l("None (administrator or coordinator)")))] + [
        (str(o.id), o.name_nb + (f" ({o.short_name})" if o.short_name else "")) for o in organisations
    ]


class RoleFields(Form):
    role = SelectField(
        _l("Role"),
        validators=[DataRequired(_l("Choose a role."))],
        description=_l("Group leaders see their own organisation's leadership groups (an "
                       "agency's or a ministry's); ministry viewers their ministry and the "
                       "agencies under it."),
    )
    organisation = SelectField(
        _l("Organisation"),
        description=_l("The agency or ministry whose group a group leader belongs to; the "
                       "ministry for a ministry viewer."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.name, r.label) for r in Role]
        self.organisation.choices = organisation_choices()

    def chosen_role(self) -> Role:
        return Role[self.role.data]

    def chosen_organisation(self) -> Organisation | None:
        return db.session.get(Organisation, int(self.organisation.data)) if self.organisation.data else None


class CreateUserForm(RoleFields):
    """A new account: no password here. The user gets an invitation by mail and chooses one
    (or signs in with single sign-on), so no administrator ever knows it."""

    email = EmailField(_l("Email"), filters=[trimmed], validators=[
        DataRequired(_l("Enter an email address.")),
        Email(_l("Enter a valid email address."), check_deliverability=False), Length(max=254)],
        description=_l("The invitation is sent here, and the user signs in with it."))


class EditUserForm(RoleFields):
    active = BooleanField(_l("Active"), description=_l(
        "A deactivated user is signed out at their next request and cannot sign in."))
    programmes = SelectMultipleField(
        _l("Programmes"), validate_choice=False,
        description=_l("For a coordinator: the programmes whose cohorts they see and change. "
                       "None ticked: all programmes."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        self.programme_choices = db.session.scalars(select(Programme).order_by(Programme.id)).all()
        self.programmes.choices = [SelectChoice(str(p.id), p.name(language))
                                   for p in self.programme_choices]

    def validate_programmes(self, field) -> None:
        offered = {choice.value for choice in field.choices}
        if any(value not in offered for value in field.data or []):
            raise ValidationError(_l("Choose among the programmes shown."))

    def ticked(self) -> set[str]:
        return set(self.programmes.data or [])

    def chosen_programmes(self) -> list[Programme]:
        """The programmes ticked (none: no limit); only a coordinator's count."""
        ticked = self.ticked()
        return [p for p in self.programme_choices if str(p.id) in ticked]


class UserActionForm(Form):
    """A button on a user's page (send a link, revoke an invitation, remove two-factor): only
    its CSRF token."""


# Choices of the user list's filters: every value, or "" for all.
def role_filter_choices() -> list[tuple[str, str]]:
    return [("", str(_l("All roles")))] + [(r.name, r.label) for r in Role]


def organisation_filter_choices() -> list[tuple[str, str]]:
    return [("", str(_l("All organisations")))] + organisation_choices()[1:]


class UserSearchForm(Form):
    """The user list's search: read from the query string, so a search is a link."""

    class Meta:
        csrf = False

    q = StringField(_l("Email contains"), validators=[Optional(), Length(max=254)])
    # A value not in the list is refused by validate_<field>, naming the field, rather than
    # by the library's untranslated "Not a valid choice".
    role = SelectField(_l("Role"), validate_choice=False)
    organisation = SelectField(_l("Organisation"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_filter_choices()
        self.organisation.choices = organisation_filter_choices()

    def _check_choice(self, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_("%(field)s: choose one from the list.",
                                    field=str(field.label.text)))

    def validate_role(self, field) -> None:
        self._check_choice(field)

    def validate_organisation(self, field) -> None:
        self._check_choice(field)

    def search(self) -> str:
        return (self.q.data or "").strip()

    def link_arguments(self) -> dict[str, str]:
        """The search and filters as the list's page links carry them, those not given left
        out."""
        given = {"q": self.search(), "role": self.role.data, "organisation": self.organisation.data}
        return {key: value for key, value in given.items() if value}

    def chosen_role(self) -> Role | None:
        return Role[self.role.data] if self.role.data and self.role.data in Role.__members__ else None

    def chosen_organisation_id(self) -> int | None:
        value = self.organisation.data
        return bounded_int(value, minimum=1) if value else None
