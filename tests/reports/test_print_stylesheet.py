"""Every overview prints: the layout links a print stylesheet that leaves out what only works on
a screen and keeps tables and charts whole."""
import re

import pytest

from tests.conftest import login_as
from tests.html import read


def test_the_print_stylesheet_is_served_and_covers_the_essentials(client):
    response = client.get("/static/css/print.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    hidden = re.search(r"([^{}]*)\{\s*display:\s*none !important;\s*\}", css).group(1)
    for selector in (".site-header nav", ".language-switch", ".ds-button", 'form:not([data-print="content"])'):
        assert selector in hidden, selector
    assert "break-inside: avoid" in css and "thead { display: table-header-group; }" in css
    assert re.search(r"svg\[role=\"img\"\] \{[^}]*width: 100%", css)


@pytest.mark.parametrize("path", ["/", "/reports/sector", "/organisations/{organisation}", "/cohorts/{cohort}"])
def test_pages_link_the_print_stylesheet(client, world, make_user, path):
    login_as(client, make_user("coordinator"))
    response = client.get(path.format(organisation=world["udir"].id, cohort=world["kull1"].id))
    assert response.status_code == 200
    links = [link for link in read(response.data).all("link", rel="stylesheet")
             if re.search(r"/css/print\.[0-9a-f]{12}\.css$", link.get("href", ""))]
    assert len(links) == 1 and links[0].get("media") == "print"
