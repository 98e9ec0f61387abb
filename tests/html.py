"""A small reader for the HTML our pages render, so tests can ask structural questions."""
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Page:
    tags: list[tuple[str, dict]] = field(default_factory=list)
    title: str = ""
    text: str = ""

    def all(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def count(self, tag: str) -> int:
        return len(self.all(tag))


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.page = Page()
        self._in_title = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.page.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.page.title += data
        self._text.append(data)

    def close(self):
        super().close()
        self.page.text = " ".join(" ".join(self._text).split())


def read(html: str | bytes) -> Page:
    reader = _Reader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    reader.close()
    return reader.page


class _TablesOutsideScrollRegions(HTMLParser):
    """Counts the tables that are not inside a `table-scroll` region (one that scrolls on its
    own, labelled and focusable, so a wide table cannot widen the page on a phone)."""

    def __init__(self):
        super().__init__()
        self.open: list[bool] = []
        self.outside = 0
        self.tables = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables += 1
            self.outside += not any(self.open)
        if tag == "div":
            scrolls = "table-scroll" in (attrs.get("class") or "").split()
            if scrolls:
                assert attrs.get("role") == "region" and attrs.get("tabindex") == "0"
                assert attrs.get("aria-label") or attrs.get("aria-labelledby")
            self.open.append(scrolls)

    def handle_endtag(self, tag):
        if tag == "div":
            self.open.pop()


def tables_outside_scroll_regions(html: str) -> tuple[int, int]:
    """(tables, of them outside a scrolling region) on the page."""
    parser = _TablesOutsideScrollRegions()
    parser.feed(html)
    return parser.tables, parser.outside
