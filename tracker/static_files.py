"""Static files under content-hashed names, kept a year by every cache.

`url_for("static", filename="css/tracker.css")` gives `/static/css/tracker.3f9a0c1b2d4e.css`: the
name changes when the content does, so a browser or proxy may keep it for a year without asking
again (`immutable`), and a new release is fetched at once. The hashes are read once, when the app
starts; a file's plain name still answers, for a cache of one hour, so a link written by hand
or an old page keeps working.

Stylesheets name their fonts and images by relative `url(...)`: those are rewritten to the hashed
names too (and the stylesheet's own hash is taken after that), or a font would be fetched again
every hour behind a stylesheet kept for a year.
"""
import hashlib
import mimetypes
import os
import posixpath
import re
from dataclasses import dataclass

from flask import Flask, Response, abort, current_app, request, send_from_directory

YEAR = 365 * 24 * 3600
HOUR = 3600
HASH_LENGTH = 12
# A hashed name: "tracker.3f9a0c1b2d4e.css" for "tracker.css".
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{%d})(?P<suffix>\.[^./]+)$" % HASH_LENGTH)
# url(...) in a stylesheet, quoted or not; data: and absolute addresses are left alone.
CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:|https?:|/|#)([^'")?#]+)([?#][^'")]*)?\1\s*\)""")


@dataclass(frozen=True)
class StaticFile:
    path: str  # the plain name, relative to the static folder, with "/"
    hashed: str  # the content-hashed name
    body: bytes | None  # a stylesheet's rewritten text; None: send the file as it is


class StaticManifest:
    """Every file of the static folder by its plain and its hashed name."""

    def __init__(self, folder: str):
        self.folder = folder
        self.by_path: dict[str, StaticFile] = {}
        self.by_hashed: dict[str, StaticFile] = {}
        plain = []
        for root, _, names in os.walk(folder):
            for name in names:
                if not name.startswith("."):
                    full = os.path.join(root, name)
                    plain.append(os.path.relpath(full, folder).replace(os.sep, "/"))
        # Stylesheets last: their rewritten text names the other files' hashed names.
        plain.sort(key=lambda path: (path.endswith(".css"), path))
        for path in plain:
            with open(os.path.join(folder, *path.split("/")), "rb") as file:
                content = file.read()
            body = None
            if path.endswith(".css"):
                body = self._rewrite_css(path, content)
                content = body
            digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
            stem, suffix = posixpath.splitext(path)
            entry = StaticFile(path, f"{stem}.{digest}{suffix}", body)
            self.by_path[path] = entry
            self.by_hashed[entry.hashed] = entry

    def _rewrite_css(self, path: str, content: bytes) -> bytes:
        text = content.decode("utf-8")
        base = posixpath.dirname(path)

        def hashed(match: re.Match) -> str:
            quote, target, tail = match.group(1), match.group(2), match.group(3) or ""
            entry = self.by_path.get(posixpath.normpath(posixpath.join(base, target)))
            if entry is None:
                return match.group(0)
            relative = posixpath.relpath(entry.hashed, base or ".")
            return f"url({quote}{relative}{tail}{quote})"

        return CSS_URL.sub(hashed, text).encode("utf-8")

    def hashed_name(self, path: str) -> str:
        entry = self.by_path.get(path)
        return entry.hashed if entry else path


def serve(filename: str) -> Response:
    """The static endpoint: a hashed name for a year, a plain name for an hour, else 404."""
    manifest: StaticManifest = current_app.extensions["static_manifest"]
    entry = manifest.by_hashed.get(filename)
    max_age, immutable = YEAR, True
    if entry is None:
        entry = manifest.by_path.get(filename)
        max_age, immutable = HOUR, False
    if entry is None:
        abort(404)
    if entry.body is None:
        response = send_from_directory(manifest.folder, entry.path, max_age=max_age,
                                       conditional=True)
    else:
        response = Response(entry.body, mimetype=mimetypes.guess_type(entry.path)[0] or "text/css")
        response.set_etag(entry.hashed)
        response.make_conditional(request)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.cache_control.immutable = immutable or None
    return response


# One manifest per folder and content: the test suite makes many apps of the same files.
_manifests: dict[tuple, StaticManifest] = {}


def manifest_of(folder: str) -> StaticManifest:
    signature = tuple(sorted(
        (os.path.join(root, name), os.stat(os.path.join(root, name)).st_mtime_ns)
        for root, _, names in os.walk(folder) for name in names
    ))
    key = (folder, signature)
    if key not in _manifests:
        _manifests.clear()
        _manifests[key] = StaticManifest(folder)
    return _manifests[key]


def register(app: Flask) -> None:
    manifest = manifest_of(app.static_folder)
    app.extensions["static_manifest"] = manifest
    app.view_functions["static"] = serve

    @app.url_defaults
    def hashed_static_name(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.hashed_name(values["filename"])
