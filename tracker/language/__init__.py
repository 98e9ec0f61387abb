"""The language switch: a small form, so it works without JavaScript."""
from flask import Blueprint, abort, current_app, redirect, request, session

from tracker.urls import safe_next

bp = Blueprint("language", __name__)


@bp.post("/language")
def choose():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))
