from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import bounds
from tracker.i18n import when
from tracker.auth.recent import recent_check_required
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.users.forms import CreateUserForm, EditUserForm, UserActionForm, UserSearchForm
from tracker.users.links import (
    invitation_was_revoked,
    live_links,
    revoke_invitation,
    send_invitation,
    send_password_reset,
)
from tracker.users.models import User
from tracker.users.services import create_user, reset_two_factor, search_users, update_account

bp = Blueprint("users", __name__)
# Pages about accounts (these, and the invitation and reset pages) write times to the minute.

# Users on a page of the list, as on every other list; a search or filter narrows it.
PER_PAGE = 50


@bp.get("/")
def index():
    """Every user, or those the search finds, a page at a time. A search that cannot be read (a
    filter not in its list, a query too long) is said so next to its field, with a 400 and no
    list: showing every user would look like an answer to it. A page that cannot exist is the
    house 404 (bounds.page_of)."""
    form = UserSearchForm(formdata=request.args)
    if not form.validate():
        return render_template("users/index.html", page=None, form=form), 400
    page = bounds.page_of(
        search_users(form.search(), form.chosen_role(), form.chosen_organisation_id()), PER_PAGE)
    return render_template("users/index.html", page=page, form=form)


@bp.route("/new", methods=["GET", "POST"])
@recent_check_required
def create():
    form = CreateUserForm()

    def create_and_invite():
        user = create_user(form.email.data, form.chosen_role(), form.chosen_organisation(),
                           invited_by=current_user)
        link, _token = send_invitation(user, sent_by=current_user)
        return user, link

    if saved := save(form, create_and_invite):
        user, link = saved.result
        flash(_("User %(email)s is created. An invitation is sent to %(email)s; it works until "
                "%(when)s.", email=user.email, when=when(link.expires_at)), "success")
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/form.html", form=form, user=None), form_status(form)


def user_page(user: User, form: EditUserForm):
    links = db.session.scalars(live_links(user)).all()
    senders = {link.created_by_id for link in links if link.created_by_id}
    sent_by = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(senders))).all())
    return render_template("users/form.html", form=form, user=user, links=links, sent_by=sent_by,
                           action=UserActionForm(formdata=None), identities=list(user.identities),
                           invitation_revoked=invitation_was_revoked(user))


@bp.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    """A user's page: role, scope and status (changing them asks for a recent check), how
    they sign in, their live links, and the buttons that send or revoke links."""
    user = db.get_or_404(User, user_id)
    if request.method == "POST":
        return update(user)
    return user_page(user, account_form(user))


def account_form(user: User) -> EditUserForm:
    return EditUserForm(data={"role": user.role.name, "organisation": str(user.organisation_id or ""),
                              "active": user.active,
                              "programmes": [str(i) for i in sorted(user.programme_ids or ())]})


@recent_check_required
def update(user: User):
    form = account_form(user)
    if save(
        form,
        lambda: update_account(
            user,
            role=form.chosen_role(),
            organisation=form.chosen_organisation(),
            active=form.active.data,
            acting=current_user,
            programmes=form.chosen_programmes(),
        ),
    ):
        flash(_("User %(email)s is updated.", email=user.email), "success")
        return redirect(url_for("users.index"))
    return user_page(user, form), form_status(form)


def _action(user_id: int, change, done) -> object:
    """A button on the user's page: do `change(user)`, flash `done(user, result)`, and go back
    to the page; a refusal is flashed as an error."""
    user = db.get_or_404(User, user_id)
    form = UserActionForm()
    if saved := save(form, lambda: change(user)):
        flash(done(user, saved.result), "success")
    else:
        for message in form.form_errors or [_("The form has expired. Try again.")]:
            flash(message, "error")
    return redirect(url_for("users.edit", user_id=user.id))


def user_page_address(user_id: int) -> str:
    return url_for("users.edit", user_id=user_id)


@bp.post("/<int:user_id>/invitation")
@recent_check_required(back_to=user_page_address)
def invite(user_id: int):
    return _action(user_id, lambda user: send_invitation(user, sent_by=current_user)[0],
                   lambda user, link: _("An invitation is sent to %(email)s; it works until "
                                        "%(when)s.", email=user.email,
                                        when=when(link.expires_at)))


@bp.post("/<int:user_id>/invitation/revoke")
def revoke_invite(user_id: int):
    return _action(user_id, revoke_invitation,
                   lambda user, count: _("The invitation to %(email)s no longer works. Until you "
                                         "send a new invitation, \"Forgot your password?\" gives "
                                         "them no link either.", email=user.email))


@bp.post("/<int:user_id>/password-reset")
def send_reset(user_id: int):
    return _action(user_id, lambda user: send_password_reset(user, sent_by=current_user)[0],
                   lambda user, link: _("A link to choose a new password is sent to %(email)s; "
                                        "it works until %(when)s.", email=user.email,
                                        when=when(link.expires_at)))


@bp.post("/<int:user_id>/two-factor/reset")
@recent_check_required(back_to=user_page_address)
def remove_two_factor(user_id: int):
    return _action(user_id, lambda user: reset_two_factor(user, current_user),
                   lambda user, _result: _("Two-factor sign-in is removed for %(email)s. They set "
                                           "up a new authenticator at their next sign-in.",
                                           email=user.email))
