"""The change log in the programme's words: each action's rows told as "Kari Nordmann: meldt
forfall → til stede, Fellessamling 2, Kull 5", records named by their human label and values by
their words, resolved when the page is drawn.

Web layer: it reads every feature's tables to name their records. The records a page names,
and those they refer to (an attendance mark → its session → its module and cohort), are read
in one UNION ALL statement, whatever the page holds and however many tables it touches.
"""
import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from inspect import getattr_static

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import (JSON, CompoundSelect, Enum, LargeBinary, String, bindparam, cast, inspect, literal_column,
                        null, select, union, union_all)

from tracker import clock
from tracker.audit.models import AuditAction
from tracker.audit.services import HIDDEN, HIDDEN_FIELDS, LogRow, audited_models, entries_of
from tracker.db_types import Labelled, UTCDateTime
from tracker.extensions import db
from tracker.i18n import current_language, day, day_short, number, when

# The table's records, in the reader's words (the log's "type" filter too).
TABLE_WORDS = {
    "attendance": _l("Attendance"),
    "assessment": _l("Assessment"),
    "assessment_score": _l("Assessment score"),
    "assessment_dimension": _l("Assessment dimension"),
    "cohort": _l("Cohort"),
    "course_module": _l("Course module"),
    "enrolment": _l("Group"),
    "enrolment_status_change": _l("Group status"),
    "membership": _l("Group member"),
    "module_progress": _l("Module progress"),
    "organisation": _l("Organisation"),
    "person": _l("Person"),
    "programme": _l("Programme"),
    "session": _l("Session"),
    "user_account": _l("User"),
    "api_token": _l("API token"),
    "session_guest": _l("Guest at a session"),
    "survey_instrument": _l("Survey instrument"),
    "survey_instrument_version": _l("Survey instrument version"),
    "survey_round": _l("Survey round"),
    "survey_respondent": _l("Asked in a survey round"),
    "survey_headline": _l("Headline figure"),
    "coordinator_programme": _l("Coordinator's programme"),
}
# The fields whose change is the record's news: shown as "old → new" without their name.
MAIN_FIELDS = {"status", "state", "score"}
# Fields not worth a reader's line: bookkeeping, and the references the record's name says.
QUIET_FIELDS = {"id", "version", "person_id", "session_id", "enrolment_id", "cohort_id",
                "assessment_id", "dimension_id", "module_id", "programme_id", "changed_at",
                "recorded_at", "created_at", "position", "ordinal",
                # The survey's references, and a respondent's link.
                "round_id", "version_id", "instrument_id", "opened_by_id", "link_nonce",
                # A session's calendar revision follows its times (change notices).
                "sequence"}
# Also told when a record is added or deleted: the news itself, or why.
TOLD_ON_CREATE = {"reason", "note", "kind", "assessed_on", "respondents"}
FIELD_WORDS = {
    "name": _l("name"), "name_nb": _l("name (bokmål)"), "name_nn": _l("name (nynorsk)"),
    "name_en": _l("name (English)"), "email": _l("email"), "title": _l("title"),
    "note": _l("note"), "notes": _l("notes"), "reason": _l("reason"), "role": _l("role"),
    "location": _l("location"), "starts_at": _l("starts"), "ends_at": _l("ends"),
    "start_date": _l("start date"), "planned_end": _l("planned end"), "capacity": _l("capacity"),
    "label": _l("label"), "kind": _l("kind"), "assessed_on": _l("date"),
    "respondents": _l("respondents"), "joined_on": _l("joined"), "left_on": _l("left"),
    "active": _l("active"), "organisation_id": _l("organisation"), "short_name": _l("short name"),
    "password_hash": _l("password"), "totp_secret": _l("two-factor key"),
    "participant_information": _l("information for participants"),
    "cancellation_reason": _l("reason for cancellation"), "org_number": _l("organisation number"),
    "owning_ministry_id": _l("owning ministry"), "active_from": _l("active from"),
    "active_to": _l("active to"), "season": _l("season"), "year": _l("year"),
    "is_joint": _l("joint session"), "offset_weeks": _l("weeks after the start"),
    "duration_days": _l("days"), "hours_per_day": _l("hours a day"),
    "responsible_organisation_id": _l("responsible organisation"),
    "course_length_months": _l("course length in months"), "groups_per_cohort": _l("groups per cohort"),
    "description_nb": _l("description (bokmål)"), "description_nn": _l("description (nynorsk)"),
    "description_en": _l("description (English)"), "erased_at": _l("erased"),
    "user_id": _l("user"), "token_hash": _l("token"), "prefix": _l("token prefix"),
    "expires_at": _l("expires"), "revoked_at": _l("revoked"),
    # The survey
    "is_example": _l("example"), "number": _l("version"), "opened_at": _l("opened"),
    "closes_on": _l("last day for answers"), "closed_at": _l("closed"),
    "minimum_respondents": _l("minimum answers for results"), "has_answered": _l("has answered"),
    "invited_at": _l("invited"), "reminded_at": _l("reminded"), "item_code": _l("statement"),
    "at_least": _l("at least"), "label_nb": _l("text (bokmål)"), "label_nn": _l("text (nynorsk)"),
    "label_en": _l("text (English)"),
    # Issue 13
    "is_evaluation": _l("evaluation form"),
}
# Bookkeeping kept out of the log: a calendar address a leader fetches is not programme data
# (tracker.calendar writes these rows; the security log has them).
UNTOLD_TABLES = ("feed_token",)
DELETED = _l("(deleted)")
# The changes an action tells in sentences; the rest are counted ("and 20 more changes"). A filter
# by person or type, or the cohort's or group's own log, narrows an action to its rows.
SHOWN_ROWS = 25
NOTHING: dict = {}


def models_by_table() -> dict[str, type]:
    return {model.__tablename__: model for model in audited_models() if hasattr(model, "__tablename__")}


def references(model: type) -> dict[str, str]:
    """Each foreign-key column of the model and the table it points to."""
    found = {}
    for column in inspect(model).columns:
        for key in column.foreign_keys:
            found[column.key] = key.column.table.name
    return found


@functools.cache
def enumerations(model: type) -> dict[str, type[Labelled]]:
    found = {}
    for column in inspect(model).columns:
        enum_class = getattr(column.type, "enum_class", None)
        if enum_class is not None and issubclass(enum_class, Labelled):
            found[column.key] = enum_class
    return found


# How far a record's references are followed to name it and say where it sits: an attendance
# mark → its session → its group → its organisation is the deepest a name or a place goes.
DEPTH = 4


def named_columns(model: type) -> list:
    """The model's columns the naming query reads, as text: every plain value a name, a place
    or a reference may need; never a secret, a JSON document or bytes."""
    return [(attribute.key, attribute.columns[0]) for attribute in inspect(model).column_attrs
            if attribute.key not in HIDDEN_FIELDS
            and not isinstance(attribute.columns[0].type, (JSON, LargeBinary))]


def _utc(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _flag(text: str) -> bool:
    return text.lower() in ("1", "true", "t")


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def _as_is(text: str) -> str:
    return text


@functools.cache
def converter(column) -> Callable[[str], object]:
    """How a column's text becomes its value, worked out once for each column."""
    kind = column.type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        # Stored by name (tracker.db_types.enum_column).
        members = kind.enum_class.__members__
        return lambda text: members.get(text, text)
    if isinstance(kind, UTCDateTime):
        return _utc
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return _as_is
    return {bool: _flag, int: int, Decimal: Decimal, float: float, datetime: datetime.fromisoformat,
            date: _day}.get(python_type, _as_is)


@functools.cache
def model_member(model: type, key: str):
    """The model's own attribute `key` (a property, a method), looked up once."""
    return getattr_static(model, key)


class ColumnText:
    """A record's column: made a value from the naming query's text the first time it is asked
    for, and kept on the record (a descriptor without __set__, so the kept value answers after).
    A page reads some ten columns of seven hundred records and asks for a handful of each."""

    __slots__ = ("key", "place", "convert")

    def __init__(self, key: str, place: int, convert: Callable[[str], object]):
        self.key, self.place, self.convert = key, place, convert

    def __get__(self, record: "Record | None", owner: type | None = None):
        if record is None:
            return self
        text = record._texts[self.place]
        value = record.__dict__[self.key] = None if text is None else self.convert(text)
        return value


class Record:
    """One named record's columns, read by the naming query, with its model's own methods and
    properties (an organisation's name(language), a headline's text()) working on them. Each
    model's records are of their own subclass (record_class), whose attributes are its columns."""

    _model: type

    def __init__(self, texts: Sequence[str | None]):
        self._texts = texts

    def __getattr__(self, key: str):
        found = model_member(self._model, key)  # AttributeError when the model has none
        if isinstance(found, property):
            return found.fget(self)
        if callable(found) and not isinstance(found, type):
            return functools.partial(found, self)
        raise AttributeError(key)


@functools.cache
def record_class(model: type) -> type[Record]:
    """The class of the model's records as the naming query reads them: a ColumnText for each
    of its named_columns, in their order (the order of their texts in the query's rows)."""
    columns = {key: ColumnText(key, place, converter(column))
               for place, (key, column) in enumerate(named_columns(model))}
    return type(f"{model.__name__}Record", (Record,), {"_model": model, **columns})


@functools.cache
def schema() -> tuple[dict[str, type], dict[str, dict[str, str]]]:
    """Each audited table's model and references (asked once the app has imported every model:
    the models do not change while it runs)."""
    models = models_by_table()
    return models, {table: references(model) for table, model in models.items()}


def reached(tables: frozenset[str]) -> dict[str, list]:
    """For each table, the ids of it a page needs: those wanted of `tables` (bound as
    `wanted_<table>`), and those the wanted records refer to, DEPTH references deep, level by
    level, as CTEs (nothing is read yet). Each level names a table once, so the ids wanted
    are bound once, however many ways lead to a table: a page's thousand ids stay a thousand
    parameters."""
    models, refs = schema()
    found: dict[str, list] = defaultdict(list)
    level = {}
    for table in sorted(tables):
        columns = models[table].__table__.c
        # Table names are the schema's own identifiers, never input.
        wanted = bindparam(f"wanted_{table}", expanding=True)
        level[table] = select(columns.id).where(columns.id.in_(wanted)).cte(f"named_0_{table}")
    for depth in range(1, DEPTH + 1):
        following: dict[str, list] = defaultdict(list)
        for table, ids in level.items():
            found[table].append(select(ids.c.id))
            records = models[table].__table__
            for column, target in refs[table].items():
                # A reference to its own table (an organisation's ministry) names nothing more.
                if target in models and target != table:
                    # Joined by the primary key, not "id IN (…)": the database builds no list
                    # of each level's ids to look them up in (a third of the statement's time).
                    following[target].append(
                        select(records.c[column].label("id"))
                        .select_from(ids.join(records, records.c.id == ids.c.id)))
        level = {target: union_all(*selects).cte(f"named_{depth}_{target}")
                 for target, selects in following.items()}
    for table, ids in level.items():
        found[table].append(select(ids.c.id))
    return found


@functools.lru_cache(maxsize=256)
def naming_statement(tables: frozenset[str]) -> CompoundSelect:
    """The one UNION ALL statement that reads the records wanted of `tables` and those they
    refer to: its table, its id, and every column as text (a UNION's columns are one type), in
    named_columns' order. The statement depends only on which
    tables are wanted (the ids are bound when it runs), so it is built once for each such set:
    building it cost as much as running it. It reads the tables' own columns, not the models'
    attributes: run through the ORM, its rows cost as much again."""
    models, _refs = schema()
    ids_of = reached(tables)
    columns = {table: named_columns(models[table]) for table in ids_of}
    width = max(len(found) for found in columns.values())
    parts = []
    for table, ids in ids_of.items():
        record_id = models[table].__table__.c.id
        texts = [cast(column, String) for _key, column in columns[table]]
        texts += [cast(null(), String)] * (width - len(texts))
        parts.append(select(literal_column(f"'{table}'", String).label("table_name"),
                            record_id.label("record_id"), *texts)
                     .where(record_id.in_(union(*ids) if len(ids) > 1 else ids[0])))
    return union_all(*parts)


class Names:
    """The records a page names: `want` them all, `load` (one statement), then ask."""

    def __init__(self):
        self.models, self.refs = schema()
        self.rows: dict[str, dict[int, object]] = defaultdict(dict)
        self.wanted: dict[str, set[int]] = defaultdict(set)
        # Each record's name, once: a page names the same sessions, groups and cohorts on
        # line after line (the language is the request's, the same for the whole page).
        self.named: dict[tuple[str, object], str] = {}
        # The page's language and catalogue, asked of Flask-Babel once: asked afresh for each
        # of a page's thousand words, they cost a fifth of drawing it.
        self.language = current_language()
        self.catalogue = get_translations()
        self.words: dict[str, str] = {}
        self.texts: dict[object, str] = {}
        self.days: dict[date | None, str] = {}
        self.places: dict[tuple, list[str]] = {}
        self.facts: dict[int, dict] = {}

    def gettext(self, message: str, **variables) -> str:
        """flask_babel's gettext, in the page's catalogue (the page's words are few, its
        lines many: each is looked up once)."""
        found = self.words.get(message)
        if found is None:
            found = self.words[message] = self.catalogue.ugettext(message)
        return found % variables if variables else found

    def say(self, text: LazyString) -> str:
        """One of this module's lazy texts (a table's or a field's words, DELETED) in the
        page's language, once a page. They are constants, so their id names them."""
        key = id(text)
        found = self.texts.get(key)
        if found is None:
            found = self.texts[key] = str(text)
        return found

    def day(self, value: date | datetime | None) -> str:
        """`tracker.i18n.day` of the Oslo date `value` falls on, worked out once for each date
        a page names: its two hundred sessions fall on a few dozen days."""
        if isinstance(value, datetime):
            value = clock.local_day(value) if value.tzinfo is not None else value.date()
        found = self.days.get(value)
        if found is None:
            found = self.days[value] = day(value)
        return found

    def label(self, member: Labelled) -> str:
        """An enumeration member's label in the page's language, once a page."""
        found = self.texts.get(member)
        if found is None:
            found = self.texts[member] = member.label
        return found

    def want(self, table: str, record_id) -> None:
        if table in self.models and isinstance(record_id, int) and not isinstance(record_id, bool) \
                and record_id not in self.rows[table]:
            self.wanted[table].add(record_id)

    def load(self) -> None:
        """Read what is wanted and what it refers to: one statement (naming_statement),
        whatever the page."""
        wanted = {table: ids for table, ids in self.wanted.items() if ids}
        self.wanted = defaultdict(set)
        if not wanted:
            return
        statement = naming_statement(frozenset(wanted))
        parameters = {f"wanted_{table}": sorted(ids) for table, ids in wanted.items()}
        classes = {table: record_class(model) for table, model in self.models.items()}
        # Plain rows through the session's connection: the session would pass each through its
        # ORM loading for nothing (a third of the statement's time).
        for table_name, record_id, *texts in db.session.connection().execute(statement, parameters).all():
            self.rows[table_name][record_id] = classes[table_name](texts)
        for table, ids in wanted.items():
            for missing in ids - set(self.rows[table]):
                self.rows[table][missing] = None

    def row(self, table: str, record_id):
        return self.rows.get(table, NOTHING).get(record_id) if record_id is not None else None

    def name(self, table: str, record_id) -> str:
        """The record's human label; "(deleted)" for one that is gone or an erased person."""
        if not isinstance(record_id, (int, str, type(None))):
            return self.first_name(table, record_id)  # a logged value of another shape: no key
        key = (table, record_id)
        found = self.named.get(key)
        if found is None:
            found = self.named[key] = self.first_name(table, record_id)
        return found

    def first_name(self, table: str, record_id) -> str:
        row = self.row(table, record_id)
        if row is None:
            return self.say(DELETED)
        language = self.language
        if table == "person":
            return row.name if row.name and row.erased_at is None else self.say(DELETED)
        if table in ("organisation", "programme", "course_module", "assessment_dimension",
                     "survey_instrument"):
            return row.name(language)
        if table == "survey_instrument_version":
            return self.gettext("%(instrument)s, version %(number)s",
                                instrument=self.name("survey_instrument", row.instrument_id),
                                number=row.number)
        if table == "survey_round":
            return self.gettext("%(kind)s survey round", kind=self.label(row.kind))
        if table == "survey_respondent":
            return self.name("person", row.person_id)
        if table == "survey_headline":
            return row.text("label", language)
        if table == "cohort":
            return row.label
        if table == "coordinator_programme":
            return self.name("programme", row.programme_id)
        if table == "user_account":
            person = self.row("person", row.person_id)
            return person.name if person is not None and person.name else row.email
        if table == "session":
            return self.gettext("%(module)s on %(day)s", module=self.name("course_module", row.module_id),
                                day=self.day(row.starts_at))
        if table == "enrolment":
            return self.name("organisation", row.organisation_id)
        if table in ("attendance", "membership", "session_guest"):
            return self.name("person", row.person_id)
        if table == "assessment":
            return self.gettext("%(kind)s assessment of %(day)s", kind=self.label(row.kind),
                                day=self.day(row.assessed_on))
        if table == "assessment_score":
            return self.name("assessment_dimension", row.dimension_id)
        if table == "module_progress":
            return self.name("course_module", row.module_id)
        if table == "enrolment_status_change":
            return self.name("enrolment", row.enrolment_id)
        name = getattr(row, "name", None)
        return str(name) if name else self.say(TABLE_WORDS[table]) if table in TABLE_WORDS else table

    def where(self, table: str, record_id, facts: dict) -> list[str]:
        """Where the record sits in the programme: its session, group and cohort, by name.
        Worked out once for each place a page names (its lines share a few dozen)."""
        session_id = facts.get("session_id")
        enrolment_id = facts.get("enrolment_id")
        cohort_id = facts.get("cohort_id")
        key = (table, session_id, enrolment_id, cohort_id, facts.get("assessment_id"))
        try:
            found = self.places.get(key)
        except TypeError:  # a logged value of another shape: worked out each time
            return self.first_where(table, session_id, enrolment_id, cohort_id, facts)
        if found is None:
            found = self.places[key] = self.first_where(table, session_id, enrolment_id, cohort_id, facts)
        return found

    def first_where(self, table: str, session_id, enrolment_id, cohort_id, facts: dict) -> list[str]:
        places = []
        if table == "assessment_score":
            assessment = self.row("assessment", facts.get("assessment_id"))
            enrolment_id = assessment.enrolment_id if assessment is not None else None
        if session_id is not None:
            session = self.row("session", session_id)
            places.append(self.name("session", session_id))
            if session is not None:
                enrolment_id, cohort_id = session.enrolment_id, session.cohort_id
        if enrolment_id is not None and table != "enrolment":
            enrolment = self.row("enrolment", enrolment_id)
            places.append(self.name("enrolment", enrolment_id))
            if enrolment is not None:
                cohort_id = enrolment.cohort_id
        if cohort_id is not None and table != "cohort":
            places.append(self.name("cohort", cohort_id))
        return places


def facts_of(entry: LogRow, names: Names) -> dict:
    """The record's references: from the record when it still exists, else from the log.
    Worked out once a row (a page asks some rows twice)."""
    facts = names.facts.get(entry.id)
    if facts is not None:
        return facts
    row = names.row(entry.table_name, entry.record_id)
    facts = names.facts[entry.id] = {}
    for column in names.refs.get(entry.table_name, NOTHING):
        if row is not None:
            facts[column] = getattr(row, column)
        elif column in entry.changes:
            old, new = entry.changes[column]
            facts[column] = new if new is not None else old
    return facts


def shown_value(table: str, column: str, value, names: Names) -> str:
    """A logged value in the reader's words: an enumeration's label, a record's name, a date
    in the house style, a number with a decimal comma."""
    if value is None or value == "":
        return "–"
    if value == HIDDEN:
        return names.gettext("(hidden)")
    if value == "[erased]":
        return names.say(DELETED)
    model = names.models.get(table)
    if model is not None:
        enum_class = enumerations(model).get(column)
        if enum_class is not None and value in enum_class.__members__:
            label = names.label(enum_class[value])
            return label.lower() if column in MAIN_FIELDS else label
        target = names.refs[table].get(column)
        if target is not None:
            return names.name(target, value)
    if isinstance(value, bool):
        return names.gettext("yes") if value else names.gettext("no")
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return day_short(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and len(value) > 10 and value[10:11] == "T":
        try:
            return when(datetime.fromisoformat(value))
        except ValueError:
            return value
    if column == "score":
        try:
            return number(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    return str(value)


def merged_into(entries: list[LogRow]) -> dict[int, int]:
    """For an action that merged organisations: each deleted organisation and the one its
    records moved to (a reference changed from it to another)."""
    deleted = {e.record_id for e in entries if e.table_name == "organisation" and e.action is AuditAction.DELETE}
    found = {}
    for entry in entries:
        if entry.action is not AuditAction.UPDATE:
            continue
        for column, (old, new) in entry.changes.items():
            if column.endswith("organisation_id") or column == "owning_ministry_id":
                if old in deleted and isinstance(new, int):
                    found.setdefault(old, new)
    for entry in entries:
        # The survivor takes over names it lacked: an update of another organisation.
        if entry.table_name == "organisation" and entry.action is AuditAction.UPDATE:
            for gone in deleted - set(found):
                found[gone] = entry.record_id
    return found


def told(entry: LogRow, names: Names, merges: dict[int, int] | None = None) -> str:
    """One row as a sentence: "Kari Nordmann: meldt forfall → til stede, Fellessamling 2 …"."""
    table = entry.table_name
    facts = facts_of(entry, names)
    subject = names.name(table, entry.record_id)
    if names.row(table, entry.record_id) is None and table not in ("person", "attendance", "membership"):
        # A deleted record is named by what the log kept of it.
        for column in ("name_nb", "label", "name", "email"):
            # What it was (deleted, changed), or what it was given (added, then removed).
            kept = next((v for v in entry.changes.get(column, ()) if v), None)
            if kept:
                subject = shown_value(table, column, kept, names)
                break
        else:
            reference = next((c for c in ("person_id", "dimension_id", "module_id", "organisation_id")
                              if facts.get(c) is not None), None)
            if reference is not None:
                subject = shown_value(table, reference, facts[reference], names)
    parts = []
    for column, (old, new) in entry.changes.items():
        if column in QUIET_FIELDS:
            continue
        if entry.action is AuditAction.UPDATE:
            change = f"{shown_value(table, column, old, names)} → {shown_value(table, column, new, names)}"
        elif (column in MAIN_FIELDS or column in TOLD_ON_CREATE) and (old, new) != (None, None) \
                and "" not in (old, new):
            change = shown_value(table, column, new if entry.action is AuditAction.CREATE else old, names)
        else:
            continue
        if column in MAIN_FIELDS:
            parts.append(change)
        else:
            parts.append(f"{names.say(FIELD_WORDS[column]) if column in FIELD_WORDS else column}: {change}")
    if entry.action is AuditAction.CREATE:
        parts.insert(0, names.gettext("added"))
    elif entry.action is AuditAction.DELETE:
        if table == "organisation" and merges and entry.record_id in merges:
            parts = [names.gettext("deleted, merged into %(organisation)s",
                                   organisation=names.name("organisation", merges[entry.record_id]))]
        else:
            parts.insert(0, names.gettext("deleted"))
    where = names.where(table, entry.record_id, facts)
    if table == "session_guest" and entry.action is not AuditAction.UPDATE:
        text = (names.gettext("%(person)s added as a guest", person=subject)
                if entry.action is AuditAction.CREATE
                else names.gettext("%(person)s no longer a guest", person=subject))
        return ", ".join([text, *where])
    text = f"{subject}: {', '.join(parts)}" if parts else subject
    return ", ".join([text, *where])


def score_told(entry: LogRow, names: Names) -> str:
    """ "Felles mål: 3,5", or "Felles mål: 3 → 3,5" for a corrected score."""
    dimension = names.name("assessment_dimension", facts_of(entry, names).get("dimension_id"))
    if "score" not in entry.changes:
        row = names.row("assessment_score", entry.record_id)
        return f"{dimension}: {shown_value('assessment_score', 'score', row and str(row.score), names)}"
    old, new = entry.changes["score"]
    if entry.action is AuditAction.UPDATE:
        score = f"{shown_value('assessment_score', 'score', old, names)} → " \
                f"{shown_value('assessment_score', 'score', new, names)}"
    else:
        score = shown_value("assessment_score", "score", new if entry.action is AuditAction.CREATE else old, names)
    return f"{dimension}: {score}"


@dataclass
class Action:
    """One entry of the log: what one request (one command) changed."""

    at: datetime
    actor: str
    kind: str
    lines: list[str] = field(default_factory=list)
    more: int = 0


def told_actions(change_ids: list[str], cohort_id: int | None = None,
                 enrolment_id: int | None = None, records=None, enrolment_ids=None,
                 cohort_ids=None) -> list[Action]:
    """The page's actions, newest first, each told in sentences: a bounded number of queries.
    On a cohort's or group's log, only the rows about it; filtered by person, only theirs."""
    rows, counts = entries_of(change_ids, most=SHOWN_ROWS, cohort_id=cohort_id, enrolment_id=enrolment_id,
                              records=records, enrolment_ids=enrolment_ids, leave_out=UNTOLD_TABLES,
                              cohort_ids=cohort_ids)
    names = Names()
    for entry in rows:
        names.want(entry.table_name, entry.record_id)
        if entry.user_id is not None:
            names.want("user_account", entry.user_id)
        changes = entry.changes
        for column, target in names.refs.get(entry.table_name, NOTHING).items():
            if column in changes:
                for value in changes[column]:
                    if value is not None:
                        names.want(target, value)
    names.load()
    grouped: dict[str, list[LogRow]] = defaultdict(list)
    for entry in rows:
        grouped[entry.change_id].append(entry)
    actions = []
    for change in change_ids:
        entries = grouped.get(change)
        if not entries:
            continue
        first = entries[0]
        if first.user_id is not None:
            actor = names.name("user_account", first.user_id)
        elif first.actor == "cli":
            actor = names.gettext("command line (the demo's own data)")
        elif first.actor == "system":
            actor = names.gettext("the tracker")
        else:
            actor = first.actor
        action = Action(at=max(e.at for e in entries), actor=actor,
                        kind=(names.say(TABLE_WORDS[first.table_name]) if first.table_name in TABLE_WORDS
                              else first.table_name))
        scores = [e for e in entries if e.table_name == "assessment_score"]
        # A person added with their membership (members pasted) is one line: the membership's.
        joined = {facts_of(e, names).get("person_id") for e in entries
                  if e.table_name == "membership" and e.action is AuditAction.CREATE}
        merges = merged_into(entries)
        for entry in entries:
            if entry.table_name == "assessment_score" and len(scores) > 1:
                continue
            if entry.table_name == "person" and entry.action is AuditAction.CREATE and entry.record_id in joined:
                continue
            action.lines.append(told(entry, names, merges))
        if len(scores) > 1:
            # An assessment's scores in one line: "Felles mål: 3,5; Møteeffektivitet: 4".
            action.lines.append("; ".join(score_told(e, names) for e in scores))
        action.more = counts.get(change, len(entries)) - len(entries)
        actions.append(action)
    return actions
