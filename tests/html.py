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
