"""The walk modules (tests/walks.py) must not give one URL argument two meanings."""
import collections

from tests import walks


def test_no_two_walk_modules_fill_the_same_url_argument():
    seen = collections.defaultdict(list)
    for part in walks.PARTS:
        for argument in {**getattr(part, "ACCESS_ARGUMENTS", {}), **getattr(part, "FUZZ_ARGUMENTS", {})}:
            seen[argument].append(part.__name__)
    assert {a: parts for a, parts in seen.items() if len(parts) > 1} == {}
