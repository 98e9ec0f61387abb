"""A version a round was sent with never changes: an edit opened before the round was, and
saved after, is a conflict, not a change to the texts the round asks."""
import pytest

from tracker.concurrency import ConflictError
from tracker.surveys.instruments import is_in_use, save_edit, version_document


def test_an_edit_opened_before_a_round_used_the_version_is_a_conflict(
        make_group, make_instrument, make_round):
    group = make_group()
    instrument = make_instrument(group.cohort.programme)
    version = instrument.latest
    # The editor's page is drawn: the version is not in use, so its save would change it.
    opened_at = instrument.version
    document = version_document(version)
    before = version_document(version)
    edited = version_document(version)
    edited["parts"][0]["name"]["nb"] = "Endret etter at runden ble sendt"
    assert not is_in_use(version)
    make_round(group, version=version)
    with pytest.raises(ConflictError):
        save_edit(version, edited, opened_at)
    assert version_document(version) == before == document
    # Drawn again, the page's save becomes the next version; the used one stays as it was.
    saved = save_edit(version, edited, instrument.version)
    assert saved.number == version.number + 1
    assert version_document(version) == before
    assert saved.parts[0].name_nb == "Endret etter at runden ble sendt"
