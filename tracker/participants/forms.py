from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from tracker.forms import Form
from tracker.participants.models import ProposalKind
from tracker.people.forms import role_choices, strip
from tracker.people.models import MemberRole
from tracker.people.services import EMAIL_LENGTH, NAME_LENGTH, TITLE_LENGTH


class InviteForm(Form):
    """A button that invites a member, or every member of a group: only its CSRF token."""


class ProposeMemberForm(Form):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[DataRequired(_l("Enter the person's name.")),
                                   Length(max=NAME_LENGTH)],
                       description=_l("First and last name, as the person writes it."))
    email = EmailField(_l("Email"), filters=[strip],
                       validators=[DataRequired(_l("Enter an email address.")),
                                   Email(_l("Enter a valid email address."),
                                         check_deliverability=False),
                                   Length(max=EMAIL_LENGTH)],
                       description=_l("Their work address: the coordinators use it to add them, "
                                      "and they may be invited to the tracker with it."))
    title = StringField(_l("Title"), filters=[strip], validators=[Length(max=TITLE_LENGTH)],
                        description=_l("Optional. For example “Direktør” or “Ekspedisjonssjef”."))
    role = SelectField(_l("Role"), default=MemberRole.MEMBER.name,
                       validators=[InputRequired(_l("Choose a role."))],
                       description=_l("Their place in the leadership group."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()

    def chosen_role(self) -> MemberRole:
        return MemberRole[self.role.data]


class ProposeChangeForm(Form):
    kind = RadioField(
        _l("What should change"),
        choices=[(ProposalKind.REMOVE.name, _l("They leave the group")),
                 (ProposalKind.CHANGE_ROLE.name, _l("They take another role"))],
        validators=[InputRequired(_l("Choose what should change."))],
        description=_l("A coordinator reads your proposal and makes the change, or tells you "
                       "why not."),
    )
    role = SelectField(_l("New role"), validators=[Optional()],
                       description=_l("Only when they take another role."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("Choose…"))] + role_choices()

    def chosen_kind(self) -> ProposalKind:
        return ProposalKind[self.kind.data]

    def chosen_role(self) -> MemberRole | None:
        # Optional() lets a blank (even " ") through without the choices' check.
        return MemberRole.__members__.get(self.role.data) if self.role.data else None


class DecideForm(Form):
    """A coordinator's answer to a proposal: the button pressed sends `decision`."""

    decision = RadioField(_l("Decision"), choices=[("accept", _l("Accept")),
                                                   ("decline", _l("Decline"))],
                          validators=[InputRequired(_l("Choose accept or decline."))])

    @property
    def accepts(self) -> bool:
        return self.decision.data == "accept"
