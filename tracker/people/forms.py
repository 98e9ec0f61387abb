from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from tracker.forms import Form


class EraseForm(Form):
    confirm = BooleanField(
        _l("I understand that this cannot be undone"),
        validators=[DataRequired(_l("Tick the box to confirm the erasure."))],
        description=_l("Name, email, title and attendance notes are removed for good. "
                       "Attendance stays counted, without a name."),
    )
