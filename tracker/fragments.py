"""Pieces of pages kept between requests for as long as nothing they show has changed.

Some pieces cost far more to draw than the rest of their page: the timeline, the attention list,
the sector overview's tables, a cohort's sessions. Read again and again while nobody changes
anything (most of a working day), each would be drawn afresh for every request. `fragment(name,
*key, render=...)` keeps what `render()` returned in this worker's memory, under a key of:

- the piece's name and its own arguments (the caller's `key`: a cohort's id, a window's years);
- the reader (their user id: what they may see and do) and the page's language;
- the minute it is drawn in: pieces say "past" or "due in three days", so none outlives its minute;
- the data's generation: a random token in the one row of `data_generation`, replaced by every
  transaction that changes the programme's data as it commits (`before_commit` below). It is
  read once a request, from the shared database, so a change saved through one instance is seen
  by the next request at every other; a token rather than a counter, so that a restored backup
  can never bring back an old number with other data behind it.

What a fragment may hold: what its key decides, and nothing else of the request. Never a form
(its CSRF token belongs to one browser's session) nor a flashed message.

Changes that no page shows do not replace the token: a model says so of its table
(`info={SHOWN: False}`). The notes a sign-in session and an API token keep about themselves (last
seen, last used), written on reads, would otherwise empty the cache about once a minute per reader.

`FRAGMENT_CACHE_CHARS` sizes the cache in characters of HTML (0 turns it off); a piece goes after
a minute, or sooner when the cache is full (the oldest unused first). Each worker has its own: memory stays bounded, and nothing is shared that the
database does not already vouch for.
"""
import os
from collections.abc import Callable
from threading import Lock

from cachetools import TTLCache
from flask import Flask, current_app, has_request_context
from flask.globals import request_ctx
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import String, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker import clock
from tracker.extensions import db
from tracker.i18n import current_language

EXTENSION = "tracker_fragments"
# A model whose table says `info={SHOWN: False}` changes nothing a page shows (a sign-in's or
# an API token's notes about itself): writing it keeps the generation.
SHOWN = "shown_on_pages"
CHANGED = "tracker_data_changed"
KEPT_SECONDS = 60


class DataGeneration(db.Model):
    """The one row whose token says which state of the programme's data the database holds."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


class FragmentCache:
    def __init__(self, chars: int):
        # A piece's key holds its minute, so nothing is asked for after a minute: it goes then
        # rather than waiting to be pushed out, and the cache holds about a minute's pieces.
        self.pieces: TTLCache | None = (TTLCache(maxsize=chars, ttl=KEPT_SECONDS, getsizeof=len)
                                        if chars > 0 else None)
        self.lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> str | None:
        with self.lock:
            value = self.pieces.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put(self, key: tuple, value: str) -> None:
        if len(value) > self.pieces.maxsize:
            return  # larger than the whole cache: drawn every time
        with self.lock:
            self.pieces[key] = value


def register(app: Flask) -> None:
    app.extensions[EXTENSION] = FragmentCache(int(app.config.get("FRAGMENT_CACHE_CHARS", 0)))


def fragment(name: str, *key: object, render: Callable[[], str]) -> Markup:
    """The piece `name` for `key` as drawn by `render()`, drawn only when no worker-held copy
    of the same data, reader, language and minute is there."""
    cache: FragmentCache = current_app.extensions[EXTENSION]
    if cache.pieces is None or not has_request_context():
        return Markup(render())
    reader = current_user.id if current_user.is_authenticated else None
    moment = clock.now().replace(second=0, microsecond=0)
    full_key = (name, key, reader, current_language(), moment.isoformat(), generation())
    value = cache.get(full_key)
    if value is None:
        value = str(render())
        cache.put(full_key, value)
    return Markup(value)


def generation() -> str:
    """The data's generation token, read once per request (kept on the request's own context:
    `g` outlives a request when an app context was pushed around it, as in tests)."""
    context = request_ctx._get_current_object()
    token = getattr(context, "_tracker_generation", None)
    if token is None:
        token = db.session.execute(select(DataGeneration.token)).scalar() or ""
        context._tracker_generation = token
    return token


def kept_generation() -> str | None:
    """The generation to keep a computed result under in this worker (as `fragment` keeps a
    piece), in a request (its one reading, `generation`) or outside one (a download written
    after its request, a command: read now); None when nothing may be kept: the cache is off,
    no change has ever given the data a token, or this session holds changes to shown data it
    has not committed (what it reads then is a state no token names).

    Read it before the data the result follows from: a change committed in between then keeps
    a newer result under the older token, never an older one under the newer."""
    cache: FragmentCache | None = current_app.extensions.get(EXTENSION)
    if cache is None or cache.pieces is None:
        return None
    session = db.session()
    if session.info.get(CHANGED) or _changes_shown_data(
            [*session.new, *session.deleted,
             *(record for record in session.dirty if session.is_modified(record))]):
        return None
    if has_request_context():
        return generation() or None
    return session.execute(select(DataGeneration.token)).scalar() or None


def forget_generation() -> None:
    """After a commit within the request, read it again."""
    if has_request_context():
        request_ctx._get_current_object().__dict__.pop("_tracker_generation", None)


def _shown(table) -> bool:
    return table is None or table.info.get(SHOWN, True)


def _changes_shown_data(records) -> bool:
    return any(_shown(getattr(type(record), "__table__", None)) for record in records)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:
    if _changes_shown_data([*session.new, *session.dirty, *session.deleted]):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or _shown(mapper.local_table):
        state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _new_generation(session: Session) -> None:
    # The commit flushes what is still pending after this hook: that counts too.
    pending = [*session.new, *session.deleted,
               *(record for record in session.dirty if session.is_modified(record))]
    if not (session.info.pop(CHANGED, False) or _changes_shown_data(pending)):
        return
    # Through the connection, not the session: this statement is not itself a change to note.
    connection = session.connection()
    token = os.urandom(16).hex()
    table = DataGeneration.__table__
    if connection.execute(update(table).values(token=token)).rowcount == 0:
        connection.execute(insert(table).values(id=1, token=token))
    forget_generation()


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)
