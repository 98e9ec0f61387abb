"""Static files go out under content-hashed names with a year-long immutable cache."""
import re
from pathlib import Path

from tracker.static_files import StaticManifest

STATIC = Path(__file__).resolve().parent.parent / "static"


def linked_stylesheets(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)


def test_pages_link_hashed_names_kept_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    links = linked_stylesheets(page)
    assert any("/static/css/tracker." in link for link in links)
    for link in links:
        assert re.search(r"\.[0-9a-f]{12}\.css$", link), link
        response = client.get(link)
        assert response.status_code == 200
        assert response.headers["Cache-Control"].replace(" ", "").split(",").count("immutable") == 1
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "public" in response.headers["Cache-Control"]


def test_the_hash_is_of_the_content_served(client):
    link = next(link for link in linked_stylesheets(client.get("/login").get_data(as_text=True))
                if "/css/tracker." in link)
    served = client.get(link).get_data()
    assert served == (STATIC / "css" / "tracker.css").read_bytes()
    import hashlib
    assert hashlib.sha256(served).hexdigest()[:12] in link


def test_a_plain_name_still_answers_for_an_hour(client):
    response = client.get("/static/css/tracker.css")
    assert response.status_code == 200
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert "immutable" not in response.headers["Cache-Control"]


def test_an_unknown_or_stale_name_is_not_found(client):
    assert client.get("/static/css/tracker.000000000000.css").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "a.css").write_text("body { color: black }")
    first = StaticManifest(str(tmp_path)).hashed_name("a.css")
    (tmp_path / "a.css").write_text("body { color: navy }")
    second = StaticManifest(str(tmp_path)).hashed_name("a.css")
    assert first != second and first.startswith("a.") and first.endswith(".css")


def test_a_stylesheet_names_its_fonts_by_their_hashed_names(tmp_path):
    (tmp_path / "fonts" / "files").mkdir(parents=True)
    (tmp_path / "fonts" / "files" / "x.woff2").write_bytes(b"font one")
    (tmp_path / "fonts" / "x.css").write_text(
        "@font-face { src: url(./files/x.woff2) format('woff2'), url('missing.woff'); }"
        " .i { background: url(\"data:image/svg+xml;charset=utf-8,<svg/>\") }"
    )
    manifest = StaticManifest(str(tmp_path))
    font = manifest.hashed_name("fonts/files/x.woff2")
    body = manifest.by_path["fonts/x.css"].body.decode()
    assert f"url({font.removeprefix('fonts/')})" in body
    assert "url('missing.woff')" in body and "data:image/svg+xml" in body
    # The font's bytes changing changes the stylesheet's name too, so a year's cache never
    # keeps a stylesheet that names a font that is gone.
    before = manifest.hashed_name("fonts/x.css")
    (tmp_path / "fonts" / "files" / "x.woff2").write_bytes(b"font two")
    assert StaticManifest(str(tmp_path)).hashed_name("fonts/x.css") != before


def test_a_conditional_request_is_answered_not_modified(client):
    link = next(link for link in linked_stylesheets(client.get("/login").get_data(as_text=True))
                if "/inter/400." in link)
    first = client.get(link)
    again = client.get(link, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
