from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from tracker.cohorts.services import cohort_summaries
from tracker.extensions import db
from tracker.programmes.models import Programme

bp = Blueprint("programmes", __name__)


@bp.get("/")
def home():
    programme = db.session.scalar(select(Programme).order_by(Programme.id))
    return render_template(
        "programmes/home.html", programme=programme, summaries=cohort_summaries(date.today(), current_user)
    )
