"""The proposal forms, fuzzed as the group's own leader fills them (tests/test_fuzz_forms.py
signs in as an administrator, whom these pages do not answer): the worst value of every kind in
each field, and random ones, never a server error, and a refusal changes no table."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import csrf_token, login_as
from tests.participants.conftest import account_for
from tests.test_fuzz_forms import HOSTILE, stored_data
from tracker.extensions import db as _db

GOOD = {
    "member": {"name": "Nora Ny", "email": "nora@udir.example.org", "title": "Rådgiver",
               "role": "MEMBER"},
    "change": {"kind": "CHANGE_ROLE", "role": "CONTACT"},
}


@pytest.fixture
def leader(client, db, group_world):
    user = account_for(db, group_world["leader"])
    login_as(client, user)
    return {"member": f"/participants/groups/{group_world['group'].id}/proposals/new",
            "change": f"/participants/memberships/{group_world['kari'].id}/proposals/new"}


def post_checked(client, url, data):
    before = stored_data()
    response = client.post(url, data={"csrf_token": csrf_token(client), **data})
    assert response.status_code < 500, data
    if response.status_code >= 400:
        _db.session.expire_all()
        assert stored_data() == before, (response.status_code, data)
    return response.status_code


@pytest.mark.parametrize("form", ["member", "change"])
def test_every_field_answers_every_hostile_value(client, leader, form):
    for field in GOOD[form]:
        for value in HOSTILE:
            data = {**GOOD[form], field: value}
            # A good proposal is saved once; the same again is refused (waiting already).
            post_checked(client, leader[form], data)


@pytest.mark.parametrize("form", ["member", "change"])
def test_random_input_never_breaks_the_form(client, leader, form):
    fields = list(GOOD[form])

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.fixed_dictionaries({name: st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE),
                                                  st.just(GOOD[form][name]))
                                  for name in fields}))
    def run(data):
        post_checked(client, leader[form], data)

    run()
