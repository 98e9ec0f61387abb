"""The change log's filter: read from the query string, so a filtered log is a link."""
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from tracker.bounds import bounded_int
from tracker.audit.words import TABLE_WORDS
from tracker.clock import OSLO
from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.forms import Form
from tracker.groups.models import Enrolment
from tracker.i18n import current_language
from tracker.organisations.models import Organisation
from tracker.users.models import User

ALL = ("", _l("All"))


def chosen_id(field: SelectField) -> int | None:
    value = field.data
    return bounded_int(value, minimum=1) if value else None


class LogFilterForm(Form):
    class Meta:
        csrf = False

    cohort = SelectField(_l("Cohort"), validators=[Optional()])
    group = SelectField(_l("Group"), validators=[Optional()])
    # A search by name, not a list of every person: the programme has hundreds.
    person = StringField(_l("Person"), validators=[Optional(), Length(max=200)],
                         description=_l("A name, or part of one."))
    user = SelectField(_l("Changed by"), validators=[Optional()])
    kind = SelectField(_l("Type"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    demo = BooleanField(_l("Show the demo's own entries"),
                        description=_l("Changes made from the command line, such as loading the demo."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        self.cohort.choices = [ALL] + [
            (str(c.id), c.label) for c in db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc()))]
        groups = db.session.execute(
            select(Enrolment.id, Organisation, Cohort.label).join(Organisation, Enrolment.organisation_id == Organisation.id)
            .join(Cohort, Enrolment.cohort_id == Cohort.id).order_by(Cohort.start_date.desc(), Organisation.name_nb))
        self.group.choices = [ALL] + [(str(i), f"{o.name(language)}, {label}") for i, o, label in groups]
        self.user.choices = [ALL] + [
            (str(i), email) for i, email in db.session.execute(select(User.id, User.email).order_by(User.email))]
        self.kind.choices = [ALL] + sorted(((t, str(w)) for t, w in TABLE_WORDS.items()), key=lambda c: c[1])

    def person_search(self) -> str | None:
        """The name searched for, trimmed; None when there is none (or it is too long)."""
        text = (self.person.data or "").strip()
        return text if text and len(text) <= 200 else None

    def day_start(self, day) -> datetime | None:
        """Midnight in Oslo at the start of that day."""
        return datetime.combine(day, time(), tzinfo=OSLO) if day else None

    def filters(self) -> dict:
        """The filters for tracker.audit.services.actions; an unreadable one is left out."""
        valid = self.validate()
        since = self.since.data if valid or not self.since.errors else None
        until = self.until.data if valid or not self.until.errors else None
        return {
            "cohort_id": chosen_id(self.cohort),
            "enrolment_id": chosen_id(self.group),
            "user_id": chosen_id(self.user),
            "table_name": self.kind.data if self.kind.data in TABLE_WORDS else None,
            "since": self.day_start(since),
            "until": self.day_start(until + timedelta(days=1)) if until else None,
            "command_line": bool(self.demo.data),
        }
