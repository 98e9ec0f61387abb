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
from flask_login import current_user, login_user, logout_user

from tracker.auth.forms import ChangePasswordForm, LoginForm
from tracker.extensions import db, limiter
from tracker.forms import form_status, save
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
            db.session.commit()
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
