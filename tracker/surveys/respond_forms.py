"""The answer form: one radio group per item, one text area per open question, made for the
round's instrument version in the reader's language."""
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from tracker.forms import Form
from tracker.i18n import number
from tracker.surveys.models import OPEN_ANSWER_LENGTH, InstrumentVersion, Item, OpenQuestion
from tracker.surveys.responses import Answers


def _optional_str(value):
    return None if value is None else str(value)


class AnswerForm(Form):
    """Filled in through two buttons named `action`: "save" keeps the answers for later,
    "submit" sends them."""

    action = StringField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_fields: list[tuple[Item, object]] = []
        self.open_fields: list[tuple[OpenQuestion, object]] = []

    class Meta:
        # The answer page takes no CSRF token: tracker.surveys.respond_routes.answer says why.
        csrf = False

    @property
    def submitting(self) -> bool:
        return self.action.data == "submit"

    def language_chosen(self, languages) -> str | None:
        """The language of a language button ("language:nn"), saving like "save" does."""
        action = self.action.data or ""
        if not self.is_submitted() or not action.startswith("language:"):
            return None
        language = action.removeprefix("language:")
        return language if language in languages else None

    def items_given(self) -> dict[str, object]:
        """Item code -> the value sent (as text), for the service to check."""
        return {item.code: f.data for item, f in self.item_fields if f.data not in (None, "")}

    def open_given(self) -> dict[str, object]:
        return {question.code: f.data for question, f in self.open_fields
                if f.data not in (None, "")}

    def answered(self) -> int:
        """How many items hold an answer on their scale, for the progress line."""
        values = {item.code: {str(p.value) for p in item.scale.points}
                  for item, _f in self.item_fields}
        return sum(1 for item, f in self.item_fields if f.data in values[item.code])

    def field_for(self, code: str):
        for record, f in [*self.item_fields, *self.open_fields]:
            if record.code == code:
                return f
        return None

    def add_problems(self, problems: dict[str, str]) -> None:
        for code, message in problems.items():
            f = self.field_for(code)
            if f is None:
                self.form_errors.append(message)
            else:
                f.errors = list(f.errors) + [message]


def answer_form(version: InstrumentVersion, locale: str, draft: Answers | None = None
                ) -> AnswerForm:
    """The form for `version`, its labels in `locale`, filled from the draft when the page is
    opened (a sent form shows what was sent)."""

    class VersionAnswerForm(AnswerForm):
        pass

    names = {}
    for item in version.items:
        name = f"item_{item.id}"
        names[name] = item
        setattr(VersionAnswerForm, name, RadioField(
            item.statement(locale),
            choices=[SelectChoice(str(point.value), point.text("label", locale))
                     for point in item.scale.points],
            # The service checks the value against the scale and names the item.
            validate_choice=False, coerce=_optional_str))
    for question in version.open_questions:
        name = f"open_{question.id}"
        names[name] = question
        setattr(VersionAnswerForm, name, TextAreaField(
            question.question(locale),
            description=_l("Optional. At most %(max)s characters.", max=number(OPEN_ANSWER_LENGTH)),
            render_kw={"rows": 5, "maxlength": OPEN_ANSWER_LENGTH}))
    data = {}
    if draft is not None:
        for item in version.items:
            if item.code in draft.items:
                data[f"item_{item.id}"] = str(draft.items[item.code])
        for question in version.open_questions:
            if question.code in draft.open:
                data[f"open_{question.id}"] = draft.open[question.code]
    form = VersionAnswerForm(data=data)
    for name, record in names.items():
        (form.item_fields if name.startswith("item_") else form.open_fields).append(
            (record, form[name]))
    return form
