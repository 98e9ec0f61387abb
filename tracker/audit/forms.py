"""The change log's filter: read from the query string, so a filtered log is a link.

Its choices are bounded whatever the history holds: the newest cohorts in a drop-down (each
older cohort's and each group's changes are on their own log page, linked from the cohort and
the group), and text searches for an organisation, a person and who made the change, resolved
in SQL. Ten years of cohorts and groups never land in the page."""
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, true
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional, StopValidation

from tracker.bounds import SEARCH_LENGTH, bounded_int, matches
from tracker.audit.words import TABLE_WORDS
from tracker.clock import OSLO
from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.forms import Form
from tracker.groups.models import Enrolment
from tracker.organisations.models import Organisation
from tracker.people.models import Person
from tracker.users.models import User

ALL = ("", _l("All"))
# The cohorts the drop-down offers: the newest, current and recent ones (a programme runs a
# few at a time); an older one is reached from its own page's "Change log for this cohort".
RECENT_COHORTS = 12


def one_of_the_choices(form, field: SelectField) -> None:
    """A choice the drop-down offers, refused naming the field: a link typed by hand, an id
    that is no cohort (or no longer one), a type of record the log has no words for."""
    if field.data and field.data not in {value for value, _label in field.choices}:
        raise StopValidation(_("%(field)s: choose one from the list.", field=str(field.label.text)))


class LogFilterForm(Form):
    class Meta:
        csrf = False

    cohort = SelectField(_l("Cohort"), validators=[Optional(), one_of_the_choices],
                         validate_choice=False,
                         description=_l("The newest cohorts. An older cohort's changes are on "
                                        "its own page: follow “Change log for this cohort”."))
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=SEARCH_LENGTH)],
                               description=_l("A name, or part of one: the changes of its groups."))
    # A search by name, not a list of every person: the programme has hundreds.
    person = StringField(_l("Person"), validators=[Optional(), Length(max=SEARCH_LENGTH)],
                         description=_l("A name, or part of one."))
    user = StringField(_l("Changed by"), validators=[Optional(), Length(max=SEARCH_LENGTH)],
                       description=_l("A name or an e-mail address, or part of one."))
    kind = SelectField(_l("Type"), validators=[Optional(), one_of_the_choices], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    demo = BooleanField(_l("Show the demo's own entries"),
                        description=_l("Changes made from the command line, such as loading the demo."))

    def __init__(self, *args, scope: dict | None = None, reader=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope or {}
        # Whose choices they are: a coordinator limited to some programmes is offered only
        # their cohorts. None (a test, a command) offers every cohort.
        self.reader = reader
        # A cohort's or a group's own log is already scoped: its page offers no cohort to choose
        # (and asks no query for the list), a group's none of the organisation either.
        if "cohort_id" in scope or "enrolment_id" in scope:
            del self.cohort
        else:
            self.cohort.choices = self.cohort_choices()
        if "enrolment_id" in scope:
            del self.organisation
        self.kind.choices = [ALL] + sorted(((t, str(w)) for t, w in TABLE_WORDS.items()), key=lambda c: c[1])

    def cohort_choices(self) -> list[tuple[str, str]]:
        """The newest RECENT_COHORTS cohorts, and the one chosen if it is older: one query."""
        visible = Cohort.visible_to(self.reader) if self.reader is not None else true()
        newest = (select(Cohort.id).where(visible)
                  .order_by(Cohort.start_date.desc(), Cohort.id.desc()).limit(RECENT_COHORTS))
        chosen = bounded_int(self.cohort.data, minimum=1) if self.cohort.data else None
        shown = Cohort.id.in_(newest.scalar_subquery())
        if chosen is not None:
            shown = shown | (Cohort.id == chosen)
        rows = db.session.execute(select(Cohort.id, Cohort.label)
                                  .where(shown, visible)
                                  .order_by(Cohort.start_date.desc(), Cohort.id.desc()))
        return [ALL] + [(str(i), label) for i, label in rows]

    @staticmethod
    def searched(field) -> str | None:
        """A text search, trimmed; None when there is none."""
        text = (field.data or "").strip() if field is not None else ""
        return text or None

    def person_search(self) -> str | None:
        return self.searched(self.person)

    def day_start(self, day) -> datetime | None:
        """Midnight in Oslo at the start of that day."""
        return datetime.combine(day, time(), tzinfo=OSLO) if day else None

    def groups_of(self) -> Select | None:
        """The groups of the organisations whose name holds the search, as a subquery."""
        text = self.searched(getattr(self, "organisation", None))
        if text is None:
            return None
        return (select(Enrolment.id).join(Organisation, Enrolment.organisation_id == Organisation.id)
                .where(matches(text, Organisation.name_nb, Organisation.name_en, Organisation.short_name)))

    def users_of(self) -> Select | None:
        """The user accounts whose e-mail address or person's name holds the search."""
        text = self.searched(self.user)
        if text is None:
            return None
        return (select(User.id).outerjoin(Person, User.person_id == Person.id)
                .where(matches(text, User.email, Person.name)))

    def filters(self) -> dict:
        """The filters for tracker.audit.services.log_page; call only once the form is valid."""
        cohort = getattr(self, "cohort", None)
        return {
            "cohort_id": bounded_int(cohort.data, minimum=1) if cohort is not None and cohort.data else None,
            "enrolment_id": None,
            "enrolment_ids": self.groups_of(),
            "user_ids": self.users_of(),
            "table_name": self.kind.data or None,
            "since": self.day_start(self.since.data),
            "until": self.day_start(self.until.data + timedelta(days=1)) if self.until.data else None,
            "command_line": bool(self.demo.data),
        }
