"""Materials with the worst text stored in every field, for the walks that open every page with
such a world: tests/test_bounds_stored.py (control characters, formulas) and
tests/test_escaping.py (markup)."""

# URL argument -> the world key the records below are kept under.
ARGUMENTS = {"material_id": "material"}


def materials_world(world: dict, text: str) -> dict:
    """A file for the world's session whose title and uploaded name are `text`, and a link for
    its module titled `text` with `text` in its address: stored as the database could hold them,
    past what the upload form lets in."""
    from tracker.extensions import db
    from tracker.materials import storage
    from tracker.materials.models import Material

    material = Material(session=world["session"], title=text[:200], filename=f"{text}.pdf"[-200:],
                        file_type="pdf", size=15, storage_name=storage.store(b"%PDF-1.7\n%%EOF\n"))
    link = Material(module=world["session"].module, title=text[:200],
                    url=f"https://example.org/?q={text}"[:2000])
    db.session.add_all([material, link])
    db.session.commit()
    return {"material": material, "material_link": link}
