"""The administrator's user list a page at a time, as every other list: fifty to a page, page
links that keep the search and filters, the house 404 for a page that cannot exist, in nb, nn and
en, and a statement count that does not grow with the users."""
import re

import pytest

from tests.conftest import login_as

EN = {"Accept-Language": "en"}


@pytest.fixture
def admin(client, make_user):
    login_as(client, make_user("admin", email="admin@dfo.example.org"))
    return client


def listed(html: str) -> list[str]:
    return re.findall(r'href="/admin/users/\d+">([^<]+)</a>', html)


def users_list(client, headers=EN, **query):
    return client.get("/admin/users/", query_string=query, headers=headers)


@pytest.fixture
def coordinators(make_user):
    """61 coordinators, invited (no password to hash): two pages of the list, with the admin."""
    return [make_user("coordinator", email=f"koordinator{n:02}@example.org", password=None)
            for n in range(61)]


def test_the_list_is_paged_and_the_pages_keep_the_search_and_filters(admin, coordinators):
    first = users_list(admin, q="KOORDINATOR", role="COORDINATOR").get_data(as_text=True)
    assert listed(first) == [f"koordinator{n:02}@example.org" for n in range(50)]
    assert "Page 1 of 2" in first
    assert 'href="/admin/users/?page=2&amp;q=KOORDINATOR&amp;role=COORDINATOR" rel="next"' in first
    second = users_list(admin, q="KOORDINATOR", role="COORDINATOR", page=2).get_data(as_text=True)
    assert listed(second) == [f"koordinator{n:02}@example.org" for n in range(50, 61)]
    assert 'href="/admin/users/?page=1&amp;q=KOORDINATOR&amp;role=COORDINATOR" rel="prev"' in second
    # Without a search the admin is on the first page too (a < k): 62 users, still two pages.
    assert "Page 1 of 2" in users_list(admin).get_data(as_text=True)


def test_a_page_past_the_end_is_a_404_naming_the_last_page_with_the_search(admin, coordinators):
    response = users_list(admin, q="koordinator", page=3)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This list has 2 pages, so there is no page 3." in html
    assert 'href="/admin/users/?q=koordinator&amp;page=2">Go to the last page</a>' in html
    assert listed(html) == []


@pytest.mark.parametrize("page", ["0", "-1", "junk", str(2**31), "1.5", ""])
def test_a_page_number_that_cannot_exist_is_a_404_saying_so(admin, page):
    response = users_list(admin, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "is not a page number" in html
    assert 'href="/admin/users/?page=1">Go to the first page</a>' in html


@pytest.mark.parametrize("language, says", [
    ("nb", "«-3» er ikke et sidetall"),
    ("nn", "«-3» er ikkje eit sidetal"),
    ("en", "“-3” is not a page number"),
])
def test_the_404_speaks_the_readers_language(admin, language, says):
    response = users_list(admin, headers={"Accept-Language": language}, page="-3")
    assert response.status_code == 404
    assert says in response.get_data(as_text=True)


def test_a_search_that_cannot_be_read_is_a_400_before_the_page_is_looked_at(admin, coordinators):
    # The search is refused first: a page number cannot make an unreadable search look answered.
    response = users_list(admin, role="EMPEROR", page=9)
    assert response.status_code == 400
    assert listed(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("text, found", [
    ("KOORDINATOR07@", ["koordinator07@example.org"]),
    ("_", []),  # an underscore is a letter, not "any character"
    ("%", []),
])
def test_the_search_folds_case_and_takes_wildcards_as_letters(admin, coordinators, text, found):
    response = users_list(admin, q=text)
    assert response.status_code == 200
    assert listed(response.get_data(as_text=True)) == found


def test_the_statements_do_not_grow_with_the_users(admin, make_user, make_organisation,
                                                    count_queries):
    def statements(**query) -> int:
        with count_queries() as counter:
            assert users_list(admin, **query).status_code == 200
        return counter["n"]

    organisation = make_organisation()
    make_user("agency", organisation=organisation, password=None)
    users_list(admin)  # the sign-in's first request
    few = [statements(), statements(q="example"), statements(page=1, role="AGENCY")]
    for _n in range(60):
        make_user("agency", organisation=make_organisation(), password=None)
    assert [statements(), statements(q="example"), statements(page=2, role="AGENCY")] == few
