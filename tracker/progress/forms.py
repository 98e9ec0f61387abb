from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker.forms import VersionedForm
from tracker.progress.models import ProgressState
from tracker.progress.services import NOTE_LENGTH


class ProgressForm(VersionedForm):
    """A group's progress on a module without sessions; `record=` the saved one, if any."""

    state = SelectField(
        _l("State"),
        validators=[InputRequired(_l("Choose a state."))],
        description=_l("Where the group is with this module. Modules with sessions follow "
                       "their sessions instead."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=NOTE_LENGTH, message=_l("The note can be at most %(max)d characters."))],
        description=_l("What was done, or what is missing. Optional."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state.choices = [(s.name, s.label) for s in ProgressState]

    def chosen_state(self) -> ProgressState:
        return ProgressState[self.state.data]
