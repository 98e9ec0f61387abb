"""Notice of absence pages (issue 13, item 2) in the walks every page takes (see tests/walks.py
and tests/surveys/walk_rounds.py, whose comments document every name).

The pages take the session's `session_id`, which the walks fill already; the access walk's
sessions are in 2016, so its agency leader (no person of their own) and staff get the page
that says the session has started, and a post without fields is refused naming the field."""

# The walks' worlds have only sessions long past, whose notice form is not drawn: the forms are
# fuzzed with hostile values in tests/schedule/test_absence_notices.py instead.
_ELSEWHERE = ("drawn only before a session starts, and the fuzzer's session is long past: "
              "hostile values are tried in tests/schedule/test_absence_notices.py::"
              "test_hostile_values_are_refused_and_change_nothing")
NOT_FUZZED: dict[str, str] = {
    "absences.give": _ELSEWHERE,
    "absences.withdraw": _ELSEWHERE,
    "absences.decide": _ELSEWHERE,
}
# The notice form, a refusal and the roster with a notice are walked with axe in
# tests/browser/test_absence_pages.py; the axe walk opens the pages too (with the demo's data).
