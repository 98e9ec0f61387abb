"""Forms of a session's attendance: the roster (a status and a note per person), adding a
guest to the session, and finding someone to add."""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.forms import Form, VersionedForm
from tracker.schedule.attendance import ExpectedPerson, Mark
from tracker.schedule.models import AttendanceStatus

NOTE_MAX = 500
SEARCH_MAX = 100
ATTENDANCE_FIELD = re.compile(r"^(?:status|note)_([0-9]{1,12})$")


def note_length(form, field):
    if field.data and len(field.data) > NOTE_MAX:
        raise ValidationError(_("%(field)s: at most %(max)s characters.",
                                field=field.label.text, max=NOTE_MAX))


def known_attendance_status(form, field):
    if field.data not in AttendanceStatus.__members__:
        raise ValidationError(_l("%(name)s: choose present, excused or absent.",
                                 name=form.person_names.get(field.name, "")))


class AttendanceForm(VersionedForm):
    """A status and a note for each person on the session's roster; built for its register.

    Two buttons send it: "Save attendance", and "Everyone present", which marks present
    everyone left unmarked (`everyone_present`)."""

    @classmethod
    def for_register(cls, register: list[ExpectedPerson], *, notices: dict | None = None,
                     **kwargs) -> "AttendanceForm":
        """`notices`: the session's notices of absence by person id (`absence.notices_of`);
        someone with one and nothing recorded is filled in as excused."""
        class Bound(cls):
            pass

        for line in register:
            person_id = line.person.id
            setattr(Bound, f"status_{person_id}", RadioField(
                _l("Attendance"),
                choices=[SelectChoice(s.name, s.label) for s in ROSTER_ORDER],
                validate_choice=False,
                validators=[Optional(), known_attendance_status],
            ))
            setattr(Bound, f"note_{person_id}", StringField(
                _l("Note"),
                validators=[note_length],
            ))
        # What is recorded already fills the form, a notice of absence given in advance where
        # nothing is; what a POST sends takes its place.
        notices = notices or {}
        data = {f"status_{line.person.id}": AttendanceStatus.EXCUSED.name
                for line in register if line.attendance is None and line.person.id in notices}
        recorded = [line for line in register if line.attendance]
        data.update({f"status_{line.person.id}": line.attendance.status.name for line in recorded})
        data.update({f"note_{line.person.id}": line.attendance.note for line in recorded})
        form = Bound(data=data, **kwargs)
        form.register = register
        form.notices = notices
        form.person_names = {}
        for line in register:
            name = line.person.name or str(_l("(erased)"))
            form.person_names[f"status_{line.person.id}"] = name
            note = form[f"note_{line.person.id}"]
            note.label.text = _l("Note for %(name)s", name=name)
        return form

    def marks(self, formdata) -> list[Mark]:
        """What the form says about each person it names, including any it was not built for
        (someone not expected), so the rules can refuse them."""
        person_ids = {line.person.id for line in self.register}
        named = {int(m.group(1)) for key in formdata.keys() if (m := ATTENDANCE_FIELD.match(key))}
        marks = []
        for person_id in sorted(person_ids | named):
            if person_id in person_ids:
                status = self[f"status_{person_id}"].data
                note = self[f"note_{person_id}"].data or ""
            else:
                status = formdata.get(f"status_{person_id}")
                note = formdata.get(f"note_{person_id}", "")
            known = status in AttendanceStatus.__members__
            marks.append(Mark(person_id, AttendanceStatus[status] if known else None, note))
        return marks

    def lines(self):
        """Each person with their two fields, in the register's order."""
        for line in self.register:
            yield line, self[f"status_{line.person.id}"], self[f"note_{line.person.id}"]

    def fields_of(self, line: ExpectedPerson):
        return self[f"status_{line.person.id}"], self[f"note_{line.person.id}"]


# The roster's columns, in the order a register is read: came, sent word, stayed away.
ROSTER_ORDER = (AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT)


class GuestForm(Form):
    """Adding one person (from the search results) to the session, or taking a guest off."""

    person = IntegerField(_l("Person"), validators=[DataRequired(_l("Person: choose someone "
                                                                    "from the search results."))],
                          widget=HiddenInput())


class FindPersonForm(Form):
    """The search for someone to add to the session (a GET form, without a CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Find a person by name or email"),
                    validators=[Length(max=SEARCH_MAX, message=_l("At most %(max)d characters."))],
                    description=_l("A stand-in or a guest who is not a member of the group. "
                                   "At least two letters."))
