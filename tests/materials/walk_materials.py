"""The materials pages in the walks every page takes (see tests/walks.py and, for what each
name means, tests/surveys/walk_rounds.py)."""
PDF = b"%PDF-1.7\n%%EOF\n"

# material_id -> a file for the session inside the agency's and ministry's scope, at which
# both of their people are guests (so they may download it: materials.services.may_see), and
# one for the session outside it.
ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {"material_id": ("material_in", "material_out")}
FUZZ_ARGUMENTS: dict[str, str] = {"material_id": "material"}
# The fuzzer posts url-encoded fields and cannot post a file; the upload's hostile files,
# names, sizes and links are tried in tests/materials/test_pages.py and test_storage.py.
NOT_FUZZED: dict[str, str] = {
    "materials.for_session": "a file upload (multipart): hostile uploads are tried in "
                             "tests/materials/test_pages.py::test_bad_input_is_refused_naming_the_field_and_nothing_is_kept "
                             "and tests/materials/test_storage.py",
    "materials.for_module": "a file upload (multipart), the same form as materials.for_session: "
                            "tests/materials/test_pages.py",
    "materials.delete": "a button with no field (tests/materials/test_pages.py posts it without "
                        "its token)",
}
# The download answers a file (or sends a link's reader on), not a page.
NOT_PAGES: set[str] = {"materials.download"}


def access_world(world: dict) -> dict:
    """A file for each of the walk's two group sessions; the agency leader's and the ministry
    viewer's accounts get people who are guests at the session inside their scope."""
    from tracker.extensions import db
    from tracker.materials.services import add_file
    from tracker.people.models import Person
    from tracker.schedule.models import SessionGuest

    for role in ("agency", "ministry"):
        person = Person(name=f"Gjest {role}", email=f"gjest.{role}@example.org")
        db.session.add(SessionGuest(session=world["session_in"], person=person))
        db.session.flush()
        world["users"][role].person_id = person.id
    return {"material_in": add_file(world["session_in"], filename="Inne.pdf", data=PDF),
            "material_out": add_file(world["session_out"], filename="Ute.pdf", data=PDF)}


def fuzz_world(world: dict) -> dict:
    """A file for the fuzzer's session."""
    from tracker.materials.services import add_file

    return {"material": add_file(world["session"], filename="Program.pdf", data=PDF)}
