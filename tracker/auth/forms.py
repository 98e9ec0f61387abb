from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from tracker.auth.tokens import TOKEN_NAME_MAX
from tracker.bounds import MAX_INT
from tracker.domain import DomainError
from tracker.forms import Form
from tracker.users.forms import trimmed
from tracker.users.services import check_password_policy, password_matches


class LoginForm(Form):
    email = EmailField(_l("Email"), filters=[trimmed], validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
                       description=_l("The address your account was created with."))
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)])
    next = HiddenField()


def new_password_field() -> PasswordField:
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=1024)],
        description=_l("At least 12 characters. A few unrelated words make a strong password that is easy to remember."),
    )


def repeat_password_field(of: str) -> PasswordField:
    return PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password.")),
                    EqualTo(of, _l("The two new passwords are not the same."))],
    )


class ChangePasswordForm(Form):
    """Changing `user`'s password. Every field is checked in one pass (the current password, the
    new one's strength, the repeat), so a reader who made three mistakes sees all three at once.
    `wrong_current_password` tells the view to count the guess against the sign-in throttle."""

    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password.")), Length(max=1024)])
    new_password = new_password_field()
    confirm_password = repeat_password_field("new_password")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.wrong_current_password = False

    def validate_current_password(self, field) -> None:
        if not password_matches(self.user, field.data):
            self.wrong_current_password = True
            raise ValidationError(_l("The current password is wrong."))

    def validate_new_password(self, field) -> None:
        try:
            check_password_policy(field.data, field="new_password", user=self.user)
        except DomainError as error:
            raise ValidationError(str(error)) from None


class SignOutForm(Form):
    """Sign out of this browser, of every browser, or end one other sign-in of one's own."""

    sign_in = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_INT)])
    everywhere = BooleanField()


# How long a new API token works: (days, label); "" means until revoked.
LIFETIME_CHOICES = [
    ("30", _l("30 days")),
    ("90", _l("90 days")),
    ("365", _l("One year")),
    ("", _l("Until I revoke it")),
]


class TokenForm(Form):
    name = StringField(
        _l("Name"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(_l("Give the token a name.")), Length(max=TOKEN_NAME_MAX)],
        description=_l("What the token is for, such as the script or tool that uses it. "
                       "At most 100 characters."),
    )
    lifetime = SelectField(
        _l("Works for"),
        choices=LIFETIME_CHOICES,
        default="90",
        description=_l("After this the token stops working and you make a new one. A token "
                       "that expires does less harm if it leaks."),
    )

    def lifetime_days(self) -> int | None:
        return int(self.lifetime.data) if self.lifetime.data else None


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), filters=[trimmed], validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
                       description=_l("The address your account was created with."))


class NewPasswordForm(Form):
    """Choosing a password with a one-time link (a reset or an invitation). The policy is
    checked by the service, which knows whose account it is (its e-mail and name)."""

    password = new_password_field()
    confirm_password = repeat_password_field("password")
