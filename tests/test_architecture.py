"""The structure docs/ARCHITECTURE.md promises, checked from the code's own imports.

Read as text (ast), so an import inside a function or under `if TYPE_CHECKING:` counts like any
other: hiding an arrow does not remove it.
"""
import ast
import enum
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TRACKER = ROOT / "tracker"

# The shared base: every feature may use these, and they use no feature.
CORE = {
    "extensions", "db_types", "clock", "domain", "concurrency", "roles", "working_days", "i18n",
    "forms", "mail", "urls", "problems", "errors", "security", "health", "language", "access",
    "transaction", "bounds", "security_log", "static_files", "backup", "fragments",
}
# The app as a whole, above every feature: the factory, and every model for Alembic.
APP = {"__init__", "models"}
# The features, lowest first: each may use the core and the features before it, never after.
FEATURES = [
    "outbox",
    "audit",
    "organisations",
    "programmes",
    "cohorts",
    "groups",
    "people",
    "users",
    "auth",
    "schedule",
    "progress",
    "assessments",
    "surveys",
    "materials",
    "messages",
    "participants",
    "calendar",
    "attention",
    "reminders",
    "reports",
    "privacy",
    "api",
    "seed",
]
# The web layer of a feature (blueprint, views, forms, commands) stands on every feature's
# services; only models and services are ordered.
WEB_LAYER = {"routes", "forms", "cli", "__init__", "charts", "exports", "timeline", "ics",
             # Single sign-on's pages (tracker/auth/sso.py); invitation and reset pages
             "sso", "link_pages",
             # Issue 11: the attendance roster's views and forms (tracker/schedule); the change
             # log told in words (tracker/audit/words.py) names every table's records
             "attendance_routes", "attendance_forms", "words",
             # Issue 12: the survey's pages (tracker/surveys)
             "instrument_routes", "round_routes", "respond_routes", "result_routes",
             "instrument_forms", "round_forms", "respond_forms", "result_forms",
             "instrument_files", "result_exports", "survey_charts",
             # Issue 13: the gatherings' evaluation pages (tracker/surveys), notice of absence
             # pages (tracker/schedule)
             "evaluation_routes", "evaluation_forms", "absence_routes", "absence_forms"}


def tracker_imports(path: Path) -> set[str]:
    """Every `tracker.…` module this file imports, wherever in the file the import is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "tracker":
                found.update(f"tracker.{alias.name}" for alias in node.names)
            elif node.module.startswith("tracker."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("tracker."))
    return found


def part_of(module: str) -> str:
    """The core module or feature folder a `tracker.x.y` module belongs to."""
    return module.split(".")[1]


def modules(kind: str):
    for path in sorted(TRACKER.rglob("*.py")):
        relative = path.relative_to(TRACKER)
        if len(relative.parts) == 1:
            if kind == "core":
                yield path, path.stem
        elif kind == "feature" and relative.parts[0] in FEATURES:
            yield path, relative.parts[0]


def test_every_folder_and_module_has_a_place_in_the_layers():
    placed = CORE | set(FEATURES) | APP | {"translations"}
    here = {p.stem for p in TRACKER.glob("*.py")} | {p.name for p in TRACKER.iterdir() if p.is_dir()}
    assert here - placed - {"__pycache__"} == set(), "add it to CORE or FEATURES (and the doc)"


def test_the_core_uses_no_feature():
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, _ in modules("core")
        if path.stem not in APP
        for module in tracker_imports(path)
        if part_of(module) not in CORE
    ]
    assert wrong == []


def test_features_use_only_the_core_and_the_features_below_them():
    wrong = []
    for path, feature in modules("feature"):
        if path.stem in WEB_LAYER:
            continue
        for module in tracker_imports(path):
            other = part_of(module)
            if other in CORE or other == feature:
                continue
            if other not in FEATURES or FEATURES.index(other) > FEATURES.index(feature):
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_models_import_only_the_core_and_models():
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, _ in modules("feature")
        if path.stem == "models"
        for module in tracker_imports(path)
        if part_of(module) not in CORE and not module.endswith(".models")
    ]
    assert wrong == []


def test_services_never_import_the_web_layer():
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, _ in modules("feature")
        if path.stem not in WEB_LAYER
        for module in tracker_imports(path)
        if module.rsplit(".", 1)[-1] in {"routes", "forms", "cli"}
    ]
    assert wrong == []


CLOCK_CALLS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("time", "time"),
               ("time", "monotonic")}


def test_only_the_clock_reads_the_time():
    wrong = []
    for path in TRACKER.rglob("*.py"):
        if path == TRACKER / "clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and (node.func.value.id, node.func.attr) in CLOCK_CALLS):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == [], "ask tracker.clock"


def labelled_enums():
    from tracker import models  # noqa: F401  (every model, so every enumeration, is imported)
    from tracker.db_types import Labelled

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(subclasses(Labelled), key=lambda cls: cls.__name__)


@pytest.mark.parametrize("enumeration", labelled_enums(), ids=lambda cls: cls.__name__)
def test_every_member_of_an_enumeration_has_words(app, enumeration: type[enum.Enum]):
    with app.test_request_context():
        for member in enumeration:
            assert member.label and member.label != member.name
        assert set(enumeration.__labels__) == {member.value for member in enumeration}
