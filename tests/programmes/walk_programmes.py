"""Issue 14's programme pages in the walks every page takes (see tests/walks.py): the
new-programme form is fuzzed like the edit one; the list and the finished cohorts take the
`programme_id` the core walks already know."""

FUZZED = {"programmes.create"}
