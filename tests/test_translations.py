"""Every message in the code and templates is translated, with the same placeholders."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parent.parent
LANGUAGES = ["nb", "nn", "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted_messages() -> set[str]:
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    keywords.update(ngettext=(1, 2), lazy_ngettext=(1, 2))
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords=keywords)
    }


def catalogue(lang: str):
    with (ROOT / f"tracker/translations/{lang}/LC_MESSAGES/messages.po").open("rb") as po:
        return read_po(po, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_in_the_catalogue(lang):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id}
    assert extracted_messages() - ids == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalogue_entry_is_translated_with_the_same_placeholders(lang):
    for message in catalogue(lang):
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, f"{lang}: {message.id!r} is fuzzy"
        # A plural message has several forms; each must be translated with the same placeholders.
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        assert all(strings), f"{lang}: {message.id!r} is not translated"
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (lang, message.id, string)
