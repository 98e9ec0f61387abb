"""The coordinators' materials pages: uploading, linking, deleting, hostile uploads refused with
the field named and nothing kept; and the download's headers."""
import io
import re

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tests.materials.conftest import EXE, GOOD_FILES, PDF, files_in
from tracker.extensions import db
from tracker.materials.models import Material


def session_page(course) -> str:
    return f"/schedule/sessions/{course.joint.id}/materials"


def post(client, url, *, file=None, filename="Program.pdf", url_field="", title="", **extra):
    data = {"csrf_token": csrf_token(client), "title": title, "url": url_field, **extra}
    if file is not None:
        data["file"] = (io.BytesIO(file), filename)
    return client.post(url, data=data, content_type="multipart/form-data")


def error_of(response, field: str) -> str:
    found = re.search(rf'id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return found.group(1) if found else ""


def stored():
    return db.session.scalars(select(Material)).all()


def test_a_coordinator_uploads_a_file_to_a_session(coordinator, course, materials_folder):
    response = post(coordinator, session_page(course), file=PDF, filename="Program for samling 1.pdf",
                    title="Program")
    assert response.status_code == 302
    [material] = stored()
    assert (material.title, material.filename, material.file_type, material.size) == \
        ("Program", "Program for samling 1.pdf", "pdf", len(PDF))
    assert material.session_id == course.joint.id
    assert files_in(materials_folder) == [material.storage_name]
    page = coordinator.get(session_page(course)).get_data(as_text=True)
    assert "Program for samling 1.pdf" in page
    assert f'/materials/{material.id}' in page


@pytest.mark.parametrize("filename", sorted(GOOD_FILES))
def test_every_accepted_type_uploads(coordinator, course, filename):
    assert post(coordinator, session_page(course), file=GOOD_FILES[filename], filename=filename) \
        .status_code == 302
    assert [m.filename for m in stored()] == [filename]


def test_a_link_is_added_with_its_address_as_title_when_none_is_given(coordinator, course):
    assert post(coordinator, session_page(course), url_field="https://www.difi.no/ledelse").status_code == 302
    [material] = stored()
    assert (material.url, material.title, material.storage_name) == \
        ("https://www.difi.no/ledelse", "https://www.difi.no/ledelse", None)


def test_a_module_gets_materials_of_its_own(coordinator, course):
    module = course.joint.module
    url = f"/programmes/{module.programme_id}/modules/{module.id}/materials"
    assert coordinator.get(url).status_code == 200
    assert post(coordinator, url, file=PDF, filename="Kursplan.pdf").status_code == 302
    [material] = stored()
    assert (material.module_id, material.session_id) == (module.id, None)


BAD_UPLOADS = [
    # (what is sent, the field named, words of the message)
    ({"file": EXE, "filename": "Program.pdf"}, "file", "not the PDF file"),
    ({"file": EXE, "filename": "virus.exe"}, "file", "only PDF"),
    ({"file": b"<html><script>alert(1)</script></html>", "filename": "side.html"}, "file", "only PDF"),
    ({"file": b"<svg onload='alert(1)'/>", "filename": "bilde.svg"}, "file", "only PDF"),
    ({"file": b"", "filename": "Tom.pdf"}, "file", "empty"),
    ({"file": PDF, "filename": "../../../etc/cron.d/x.pdf"}, "file", "must not hold"),
    ({"file": PDF, "filename": "rapport\x1b.pdf"}, "file", "control characters"),
    ({"file": PDF, "filename": "rapport\x00.exe.pdf"}, "file", "control characters"),
    ({"file": PDF, "filename": "x" * 250 + ".pdf"}, "file", "longer than 200"),
    ({"url_field": "javascript:alert(document.cookie)"}, "url", "https://"),
    ({"url_field": "data:text/html,<script>alert(1)</script>"}, "url", "https://"),
    ({"url_field": "file:///etc/passwd"}, "url", "https://"),
    ({"url_field": "https://"}, "url", "https://"),
    ({"url_field": "//evil.example/"}, "url", "https://"),
    ({"url_field": "https://ex ample.org/"}, "url", "https://"),
    ({}, "file", "choose a file to upload, or enter a link"),
    ({"file": PDF, "url_field": "https://www.difi.no/"}, "url", "not both"),
    ({"file": PDF, "title": "Linje\nskift"}, "title", "Title"),
]


@pytest.fixture
def in_english(coordinator):
    coordinator.post("/language", data={"lang": "en", "csrf_token": csrf_token(coordinator)})
    return coordinator


@pytest.mark.parametrize("sent, field, words", BAD_UPLOADS)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_kept(in_english, course, materials_folder,
                                                                    sent, field, words):
    response = post(in_english, session_page(course), **sent)
    assert response.status_code == 400
    assert words in error_of(response, field)
    assert error_of(response, field).startswith(("File:", "Link:", "Title:"))
    assert stored() == []
    assert files_in(materials_folder) == []


def test_a_file_a_little_too_large_is_refused_naming_the_field(coordinator, course, app, materials_folder):
    app.config["MATERIALS_MAX_BYTES"] = 1024 * 1024
    response = post(coordinator, session_page(course), file=PDF + b"0" * (1024 * 1024))
    assert response.status_code == 400
    assert error_of(response, "file") == "Fil: filen er større enn 1 MB."
    assert stored() == [] and files_in(materials_folder) == []


def test_a_body_far_too_large_is_refused_before_it_is_read(coordinator, course, app, materials_folder):
    app.config["MATERIALS_MAX_BYTES"] = 1024 * 1024
    response = post(coordinator, session_page(course), file=PDF + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert stored() == [] and files_in(materials_folder) == []


def test_the_upload_takes_more_than_the_apps_five_megabytes(coordinator, course):
    big = PDF + b"0" * (6 * 1024 * 1024)
    assert post(coordinator, session_page(course), file=big).status_code == 302
    assert stored()[0].size == len(big)


def test_someone_else_cannot_send_a_large_body_to_the_upload(client, course, app):
    """Only staff get the larger limit: anyone else is held to MAX_CONTENT_LENGTH."""
    login_as(client, course.member)
    response = post(client, session_page(course), file=PDF + b"0" * (6 * 1024 * 1024))
    assert response.status_code == 413


def test_deleting_removes_the_row_and_then_the_file(coordinator, course, materials_folder):
    post(coordinator, session_page(course), file=PDF)
    [material] = stored()
    response = coordinator.post(f"/materials/{material.id}/delete",
                                data={"csrf_token": csrf_token(coordinator)})
    assert response.status_code == 302 and response.headers["Location"] == session_page(course)
    assert stored() == [] and files_in(materials_folder) == []


def test_delete_without_its_token_deletes_nothing(coordinator, course, materials_folder):
    post(coordinator, session_page(course), file=PDF)
    [material] = stored()
    coordinator.post(f"/materials/{material.id}/delete", data={})
    assert len(stored()) == 1 and len(files_in(materials_folder)) == 1


def test_the_download_is_an_attachment_of_the_checked_type(coordinator, course):
    post(coordinator, session_page(course), file=PDF, filename="Årsplan «2027».pdf")
    [material] = stored()
    response = coordinator.get(f"/materials/{material.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C3%85rsplan%20%C2%AB2027%C2%BB.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_text_file_is_sent_as_text(coordinator, course):
    post(coordinator, session_page(course), file=GOOD_FILES["Lesetips.txt"], filename="Lesetips.txt")
    [material] = stored()
    response = coordinator.get(f"/materials/{material.id}")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename=Lesetips.txt' in response.headers["Content-Disposition"]


def test_a_links_address_is_where_it_leads(coordinator, course):
    post(coordinator, session_page(course), url_field="https://www.difi.no/")
    [material] = stored()
    assert coordinator.get(f"/materials/{material.id}").headers["Location"] == "https://www.difi.no/"


def test_the_cohort_page_and_the_course_plan_link_to_the_materials(coordinator, course):
    cohort_page = coordinator.get(f"/cohorts/{course.cohort.id}").get_data(as_text=True)
    assert session_page(course) in cohort_page
    module = course.joint.module
    plan = coordinator.get(f"/programmes/{module.programme_id}").get_data(as_text=True)
    assert f"/programmes/{module.programme_id}/modules/{module.id}/materials" in plan


def test_the_pages_speak_each_language(coordinator, course):
    for language, words in (("nb", "Legg til en fil eller lenke"), ("nn", "Legg til ei fil eller ei lenkje"),
                            ("en", "Add a file or a link")):
        coordinator.post("/language", data={"lang": language, "csrf_token": csrf_token(coordinator)})
        assert words in coordinator.get(session_page(course)).get_data(as_text=True)


def test_what_a_database_could_hold_cannot_break_the_download(coordinator, course, app):
    """A name with a line break or a path, and a link to javascript:, stored past the upload's
    checks: the header stays one line naming no folder, and no page links to the script."""
    from tracker.materials import storage

    with app.test_request_context():
        file = Material(session=course.joint, title="Fil", filename="a\r\nSet-Cookie: x=1/../b.pdf",
                        file_type="pdf", size=len(PDF), storage_name=storage.store(PDF))
        link = Material(session=course.joint, title="Skript", url="javascript:alert(1)")
        db.session.add_all([file, link])
        db.session.commit()
    response = coordinator.get(f"/materials/{file.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers.get("Set-Cookie", "")
    assert "filename=\"a Set-Cookie: x=1_.._b.pdf\"" in response.headers["Content-Disposition"]
    assert coordinator.get(f"/materials/{link.id}").status_code == 404
    assert 'href="javascript:' not in coordinator.get(session_page(course)).get_data(as_text=True)
