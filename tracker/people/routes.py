from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tracker.extensions import db
from tracker.forms import form_status
from tracker.people.forms import EraseForm
from tracker.people.services import (
    attendance_of,
    erase_person,
    get_person_or_404,
    memberships_of,
    people,
    personal_data,
)

bp = Blueprint("people", __name__)


@bp.get("/")
def index():
    search = request.args.get("q", "")[:200]
    page = db.paginate(people(search), page=request.args.get("page", 1, type=int), per_page=50)
    return render_template("people/index.html", page=page, search=search)


@bp.get("/<int:person_id>")
def detail(person_id: int):
    person = get_person_or_404(person_id)
    return render_template("people/detail.html", person=person, memberships=memberships_of(person),
                           attendance=attendance_of(person))


@bp.get("/<int:person_id>/export.json")
def export(person_id: int):
    response = jsonify(personal_data(get_person_or_404(person_id)))
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person_id}.json"'
    return response


@bp.route("/<int:person_id>/erase", methods=["GET", "POST"])
def erase(person_id: int):
    person = get_person_or_404(person_id)
    form = EraseForm()
    if form.validate_on_submit():
        erase_person(person)
        db.session.commit()
        flash(_("The person's personal data is erased."), "success")
        return redirect(url_for("people.detail", person_id=person.id))
    return render_template("people/erase.html", person=person, form=form), form_status(form)
