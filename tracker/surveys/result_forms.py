"""The staff's form for the programme's headline figures, and the small forms that reorder and
remove them. The rules (an item of the programme's survey, a threshold on its scale, a label in
each language) are `tracker.surveys.results`'s; the form offers the choices and reads the input."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import AnyOf, InputRequired

from tracker.forms import Form, VersionedForm
from tracker.i18n import current_language
from tracker.programmes.forms import name_field
from tracker.surveys.results import headline_items


class HeadlineForm(VersionedForm):
    item_code = SelectField(
        _l("Item"),
        description=_l("The statement the figure counts answers to, in every version of the "
                       "survey that has its code. A statement put the other way round is "
                       "marked: for it, the share counts the poor answers."),
        validate_choice=False,  # the rule names an unknown item itself
    )
    at_least = IntegerField(
        _l("Answered at least"),
        validators=[InputRequired(_l("Enter the lowest answer that counts."))],
        description=_l("The lowest point on the item's scale that counts towards the share, "
                       "such as 4 for 'agree' on a scale from 1 to 5."),
    )
    label_nb = name_field(_l("What the share says, in Norwegian (bokmål)"),
                          _l("Shown after the share: \"rapporterer mer effektive møter\"."),
                          _l("Enter the text in Norwegian (bokmål)."))
    label_nn = name_field(_l("What the share says, in Norwegian (nynorsk)"),
                          _l("Shown after the share to nynorsk readers."),
                          _l("Enter the text in Norwegian (nynorsk)."))
    label_en = name_field(_l("What the share says, in English"),
                          _l("Shown after the share: \"report more effective meetings\"."),
                          _l("Enter the text in English."))

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        language = current_language()
        items = headline_items(programme)
        # In the order the respondents read them (part, factor, statement), not by code. A
        # statement put the other way round is marked, not refused: "at least 4" on it counts
        # agreement with something poor, a figure staff may want, but not by mistake.
        ordered = sorted(items.items(), key=lambda pair: (
            pair[1].factor.part.position, pair[1].factor.position, pair[1].position, pair[0]))
        self.item_code.choices = [("", str(_l("Choose an item")))] + [
            (code, self._option(code, item, language)) for code, item in ordered]

    @staticmethod
    def _option(code: str, item, language: str) -> str:
        scale = f"{item.scale.lowest}–{item.scale.highest}"
        if item.reverse:
            return str(_l("%(code)s: %(statement)s (%(scale)s; put the other way round: a high "
                          "answer is a poor result)", code=code,
                          statement=item.statement(language), scale=scale))
        return f"{code}: {item.statement(language)} ({scale})"

    def values(self) -> dict:
        return {"item_code": self.item_code.data, "at_least": self.at_least.data,
                "label_nb": self.label_nb.data, "label_nn": self.label_nn.data,
                "label_en": self.label_en.data}


class MoveForm(Form):
    direction = HiddenField(validators=[AnyOf(("up", "down"))])


class RemoveForm(Form):
    """Only the CSRF token: the figure is named by the address."""
