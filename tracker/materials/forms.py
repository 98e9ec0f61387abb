"""The materials page's forms: add a file or a link, delete one."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from tracker.forms import Form
from tracker.materials.models import MAX_TITLE, MAX_URL


class MaterialForm(Form):
    """A file or a link (one of the two), with a title. The file's name, type and size, and
    the link's address, are checked by the services (`check_file`, `check_url`)."""

    title = StringField(
        _l("Title"), validators=[Optional(), Length(max=MAX_TITLE)],
        description=_l("What participants see in the list. Empty: the file's name or the link."),
    )
    file = FileField(_l("File"))
    url = StringField(
        _l("Link"), validators=[Optional(), Length(max=MAX_URL)],
        description=_l("Or, instead of a file, an address that starts with https://."),
        render_kw={"inputmode": "url", "autocomplete": "off"},
    )

    def __init__(self, *args, max_mb: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.file.description = _l("PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), "
                                   "OpenDocument (.odt, .ods, .odp) or text (.txt), at most "
                                   "%(mb)s MB.", mb=max_mb)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        has_link = bool((self.url.data or "").strip())
        if self.file.data is None and not has_link:
            self.file.errors = [*self.file.errors,
                                _l("File: choose a file to upload, or enter a link.")]
            return False
        if self.file.data is not None and has_link:
            self.url.errors = [*self.url.errors,
                               _l("Link: upload a file or enter a link, not both.")]
            return False
        return True


class DeleteMaterialForm(Form):
    """A button: its only field is the CSRF token."""
