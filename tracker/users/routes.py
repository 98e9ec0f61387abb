from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.auth.recent import recent_check_required
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.users.forms import CreateUserForm, EditUserForm
from tracker.users.models import User
from tracker.users.services import create_user, update_account, users_by_email

bp = Blueprint("users", __name__)


@bp.get("/")
def index():
    return render_template("users/index.html", users=db.session.scalars(users_by_email()).all())


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CreateUserForm()
    if saved := save(
        form,
        lambda: create_user(
            form.email.data, form.password.data, form.chosen_role(), form.chosen_organisation()
        ),
    ):
        user = saved.result
        flash(_("User %(email)s is created.", email=user.email), "success")
        return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=None), form_status(form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@recent_check_required
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = EditUserForm(
        data={
            "role": user.role.name,
            "organisation": str(user.organisation_id or ""),
            "active": user.active,
        }
    )
    if save(
        form,
        lambda: update_account(
            user,
            role=form.chosen_role(),
            organisation=form.chosen_organisation(),
            active=form.active.data,
            acting=current_user,
        ),
    ):
        flash(_("User %(email)s is updated.", email=user.email), "success")
        return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=user), form_status(form)
