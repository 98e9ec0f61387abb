"""Forms of two-factor sign-in and of confirming it is you."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.forms import Form


# The phone's number pad for a code, and the code offered from the phone's own keyboard.
CODE_INPUT = {"inputmode": "numeric", "autocomplete": "one-time-code"}


def _code_field(**kwargs) -> StringField:
    return StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the six-digit code from your authenticator app.")),
                    Length(max=20)],
        description=_l("Six digits. The app shows a new code every 30 seconds."),
        render_kw=CODE_INPUT,
        **kwargs,
    )


class EnrolForm(Form):
    """The first code from a newly added authenticator, which proves it holds the secret."""

    code = _code_field()


class CodeForm(Form):
    """The second step of signing in: the authenticator's code. `nonce` ties the answer to the
    first step it follows."""

    code = _code_field()
    nonce = HiddenField()


class RecoveryCodeForm(Form):
    """The second step of signing in with a recovery code instead of the authenticator."""

    recovery_code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(_l("Enter one of your recovery codes.")), Length(max=40)],
        description=_l("One of the ten codes you saved when you set up two-factor sign-in, "
                       "such as abcd-efgh-jk. Each works once."),
    )
    nonce = HiddenField()


class ConfirmForm(Form):
    """Confirming it is you: the password, or a code from the authenticator (either one)."""

    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=1024)])
    code = StringField(
        _l("Code"), validators=[Optional(), Length(max=20)],
        description=_l("Six digits. The app shows a new code every 30 seconds."),
        render_kw=CODE_INPUT,
    )
    next = HiddenField()


class ActionForm(Form):
    """A button alone (make new recovery codes, turn two-factor off): the CSRF token is its
    only field."""
