from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, Length

from tracker.extensions import db
from tracker.forms import Form
from tracker.organisations.models import Organisation
from tracker.roles import Role


def organisation_choices() -> list[tuple[str, str]]:
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name_nb))
    return [("", str(_l("None (administrator or coordinator)")))] + [
        (str(o.id), o.name_nb + (f" ({o.short_name})" if o.short_name else "")) for o in organisations
    ]


class RoleFields(Form):
    role = SelectField(
        _l("Role"),
        validators=[DataRequired(_l("Choose a role."))],
        description=_l("Agency leaders see their own organisation's groups; ministry viewers "
                       "their ministry and the agencies under it."),
    )
    organisation = SelectField(
        _l("Organisation"),
        description=_l("The agency for an agency leader, the ministry for a ministry viewer."),
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
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter an email address.")),
        Email(_l("Enter a valid email address."), check_deliverability=False), Length(max=254)])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Enter an initial password.")), Length(max=1024)],
        description=_l("At least 12 characters. Give it to the user by a separate channel; "
                       "they can change it after signing in."),
    )


class EditUserForm(RoleFields):
    active = BooleanField(_l("Active"), description=_l(
        "A deactivated user is signed out at their next request and cannot sign in."))
