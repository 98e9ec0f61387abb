from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.auth.tokens import TOKEN_NAME_MAX, get_token_or_404, new_token, revoke, tokens_of
from tracker.auth.forms import ChangePasswordForm, LoginForm
from tracker.extensions import db, limiter
from tracker.forms import Form, form_status, save
from tracker.urls import safe_next
from tracker.users.services import authenticate, change_password

bp = Blueprint("auth", __name__)


def _login_email_key() -> str:
    return "login-email:" + request.form.get("email", "").strip().lower()


def _limit(setting: str):
    return lambda: current_app.config[setting]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_ADDRESS"), methods=["POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_ACCOUNT"), methods=["POST"], key_func=_login_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            # The same words whether the email exists or not.
            form.form_errors.append(_("Wrong email or password."))
        else:
            # A fresh session: nothing from before sign-in (a planted identifier, say) survives.
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            session.permanent = True
            login_user(user)
            return redirect(safe_next(form.next.data))
    return render_template("auth/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
def change_password_page():
    form = ChangePasswordForm()
    if save(
        form,
        lambda: change_password(current_user, form.current_password.data, form.new_password.data),
    ):
        # The session version moved on; sign this session in again so only others end.
        login_user(current_user._get_current_object())
        flash(
            _("Your password is changed. Other places you were signed in are signed out."),
            "success",
        )
        return redirect(url_for("programmes.home"))
    return render_template("auth/change_password.html", form=form), form_status(form)


# The account page and personal access tokens for the JSON API


class TokenForm(Form):
    name = StringField(
        _l("Name"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(_l("Give the token a name.")), Length(max=TOKEN_NAME_MAX)],
        description=_l("What the token is for, such as the script or tool that uses it. "
                       "At most 100 characters."),
    )


def account_page(form: TokenForm, *, new_secret: str | None = None):
    return render_template(
        "auth/account.html",
        form=form,
        tokens=db.session.scalars(tokens_of(current_user)).all(),
        new_secret=new_secret,
    )


@bp.get("/account")
def account():
    return account_page(TokenForm())


@bp.post("/account/tokens")
def create_token():
    form = TokenForm()
    if saved := save(form, lambda: new_token(current_user, form.name.data)):
        _token, secret = saved.result
        # Shown on this answer only: a flash message would keep the token in the session cookie.
        return account_page(TokenForm(formdata=None), new_secret=secret)
    return account_page(form), form_status(form)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = get_token_or_404(token_id, current_user)
    revoke(token)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("auth.account"))
