from datetime import date

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import false

from tracker import bounds
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import local_date
from tracker.people.forms import (
    EditMembershipForm,
    EditPersonForm,
    EraseForm,
    PASTE_LENGTH,
    NewMembershipForm,
    PasteMembersForm,
    PersonForm,
)
from tracker.people.services import (
    add_membership,
    PASTE_LINES,
    add_pasted_members,
    default_joined_on,
    read_pasted_members,
    create_person,
    get_editable_person_or_404,
    get_membership_or_404,
    get_person_or_404,
    memberships_of,
    people,
    people_page,
    update_membership,
    update_person,
)
from tracker.auth.recent import recent_check_required
from tracker.privacy.services import attendance_count, erase_person, personal_data

bp = Blueprint("people", __name__)


# People on a page of the list.
PER_PAGE = 50


@bp.get("/")
def index():
    label = _("Search by name, email or organisation")
    search, error = bounds.search_text(label)
    if error:
        # Refused like a field: the page says what is wrong with the search and lists nobody.
        page = db.paginate(people("").where(false()), page=1, per_page=PER_PAGE, error_out=False)
        return render_template("people/index.html", page=page, people=[], search=search,
                               search_label=label, search_error=error), 400
    page, listed = people_page(search, PER_PAGE)
    return render_template("people/index.html", page=page, people=listed, search=search,
                           search_label=label)


@bp.get("/<int:person_id>")
def detail(person_id: int):
    person = get_person_or_404(person_id, current_user)
    return render_template(
        "people/detail.html",
        person=person,
        memberships=memberships_of(person),
        attendance_count=attendance_count(person),
    )


@bp.get("/<int:person_id>/export.json")
def export(person_id: int):
    response = jsonify(personal_data(get_person_or_404(person_id, current_user)))
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person_id}.json"'
    return response


@bp.route("/<int:person_id>/erase", methods=["GET", "POST"])
@recent_check_required
def erase(person_id: int):
    person = get_person_or_404(person_id, current_user)
    form = EraseForm()
    if save(form, lambda: erase_person(person)):
        flash(_("The person's personal data is erased."), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/erase.html", person=person, form=form), form_status(form)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = PersonForm()
    if saved := save(form, lambda: create_person(**form.values())):
        person = saved.result
        flash(_("%(name)s is added.", name=person.name), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=None), form_status(form)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
def edit(person_id: int):
    person = get_editable_person_or_404(person_id, current_user)
    form = EditPersonForm(
        record=person,
        data={
            "name": person.name,
            "email": person.email,
            "title": person.title,
            "organisation": str(person.organisation_id or ""),
        },
    )
    if save(
        form,
        lambda: update_person(person, version=form.version.data, **form.values()),
        lambda record: {
            form.name.label.text: person.name,
            form.email.label.text: person.email,
            form.title.label.text: person.title,
            form.organisation.label.text: person.organisation.name_nb
            if person.organisation
            else None,
        },
    ):
        flash(_("%(name)s is saved.", name=person.name), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/form.html", form=form, person=person), form_status(form)


def member_search() -> tuple[str, str | None]:
    """The add-member page's search, bounded, and its refusal when it holds control characters."""
    search = request.args.get("q", "")[:200]
    if bounds.has_control_characters(search):
        return "", _("%(field)s: remove the line breaks and control characters.",
                     field=_("Search by name or email"))
    return search, None


@bp.route("/groups/<int:enrolment_id>/members/new", methods=["GET", "POST"])
def new_membership(enrolment_id: int):
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    search, search_error = member_search()
    form = NewMembershipForm(
        enrolment=enrolment,
        search=search,
        data={
            "person": "",
            "role": "MEMBER",
            "joined_on": default_joined_on(enrolment),
        },
    )
    if saved := save(
        form, lambda: add_membership(enrolment, **form.person_values(), **form.values())
    ):
        membership = saved.result
        flash(_("%(name)s is added to the group.", name=membership.person.name), "success")
        return redirect(url_for("groups.detail", enrolment_id=enrolment.id))
    status = 400 if search_error else form_status(form)
    return render_template(
        "people/membership_form.html", form=form, enrolment=enrolment, membership=None,
        search=bounds.printable(request.args.get("q", "")[:200]), search_error=search_error,
    ), status


@bp.route("/groups/<int:enrolment_id>/members/paste", methods=["GET", "POST"])
def paste_members(enrolment_id: int):
    """Several members at once: the first send shows what each line would do; "Add them" saves
    them all, or none when any line is bad."""
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    form = PasteMembersForm(data={"joined_on": default_joined_on(enrolment)})
    # The "add anyway" boxes of lines that name someone already in the group (at most one per
    # line a paste may have, each a line number and an address).
    confirmed = frozenset(value[:400] for value in request.form.getlist("add_anyway")[:PASTE_LINES])
    if request.form.get("action") == "save":
        if saved := save(form, lambda: add_pasted_members(
                enrolment, form.lines.data, joined_on=form.joined_on.data, confirmed=confirmed)):
            flash(ngettext("%(num)s member is added to the group.",
                           "%(num)s members are added to the group.", len(saved.result)), "success")
            return redirect(url_for("groups.detail", enrolment_id=enrolment.id))
    else:
        form.validate_on_submit()
    preview = None
    if (form.is_submitted() and form.lines.data and isinstance(form.joined_on.data, date)
            and len(form.lines.data) <= PASTE_LENGTH):
        # What each line would do, or what is wrong with it, beside the line.
        preview = read_pasted_members(enrolment, form.lines.data, joined_on=form.joined_on.data,
                                      confirmed=confirmed)
    bad = [line for line in preview or [] if line.problems]
    return render_template(
        "people/paste_members.html", form=form, enrolment=enrolment, preview=preview, bad=bad,
    ), 400 if bad else form_status(form)


@bp.route("/memberships/<int:membership_id>/edit", methods=["GET", "POST"])
def edit_membership(membership_id: int):
    membership = get_membership_or_404(membership_id, current_user)
    form = EditMembershipForm(
        record=membership,
        data={
            "role": membership.role.name,
            "joined_on": membership.joined_on,
            "left_on": membership.left_on,
        },
    )
    if save(
        form,
        lambda: update_membership(membership, version=form.version.data, **form.values()),
        lambda record: {
            form.role.label.text: membership.role.label,
            form.joined_on.label.text: local_date(membership.joined_on),
            form.left_on.label.text: local_date(membership.left_on),
        },
    ):
        flash(_("The membership is saved."), "success")
        return redirect(url_for("groups.detail", enrolment_id=membership.enrolment_id))
    return render_template(
        "people/membership_form.html",
        form=form,
        enrolment=membership.enrolment,
        membership=membership,
    ), form_status(form)
