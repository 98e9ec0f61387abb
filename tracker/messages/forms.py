"""The message form: which groups, who in them, subject and text; and the preview's hidden copy
of it that the send button posts."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from tracker import bounds
from tracker.bounds import bounded_int
from tracker.forms import Form
from tracker.i18n import current_language
from tracker.messages.models import SUBJECT_MAX, Audience


class MessageForm(Form):
    """A message to some of `groups` (the cohort's groups taking part; all ticked at first)."""

    groups = SelectMultipleField(
        _l("Groups"), validate_choice=False,
        description=_l("Every group taking part is ticked: untick those the message is not for."))
    audience = RadioField(
        _l("Who in the groups"), validate_choice=False, default=Audience.EVERYONE.name,
        description=_l("Only people who still belong to the group and have not been erased. "
                       "Someone in two of the groups gets the message once."))
    subject = StringField(_l("Subject"), validators=[Length(max=SUBJECT_MAX)])
    text = TextAreaField(
        _l("Text"), validators=[Length(max=bounds.MAX_TEXT)],
        description=_l("Plain text: line breaks are kept, and nothing is read as formatting. "
                       "Replies go to your own e-mail address."),
        render_kw={"rows": 12})

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.choosable = list(groups)
        self.groups.choices = [SelectChoice(str(g.id), g.organisation.name(current_language()))
                               for g in self.choosable]
        self.audience.choices = [SelectChoice(a.name, a.label) for a in Audience]
        if not self.is_submitted():
            self.groups.data = [str(g.id) for g in self.choosable]

    def validate_groups(self, field) -> None:
        ids = self.group_ids()
        if ids is None:
            raise ValidationError(_l("Groups: choose among the groups taking part in this cohort."))
        if not ids:
            raise ValidationError(_l("Groups: tick at least one group."))

    def validate_audience(self, field) -> None:
        if field.data not in Audience.__members__:
            raise ValidationError(_l("Who in the groups: choose one from the list."))

    def validate_subject(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Subject: write a subject."))

    def validate_text(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError(_l("Text: write the message."))

    def group_ids(self) -> list[int] | None:
        """The ids ticked, or None for a value that is no id at all."""
        ids = [bounded_int(value, minimum=1) for value in self.groups.data or []]
        return None if None in ids else sorted(set(ids))

    def chosen_audience(self) -> Audience:
        return Audience[self.audience.data]

    def ticked(self) -> set[str]:
        return {str(i) for i in self.group_ids() or []}


class SendForm(MessageForm):
    """The preview's form: the message as it was previewed, and what the preview showed."""

    shown = HiddenField()
    once = HiddenField()
