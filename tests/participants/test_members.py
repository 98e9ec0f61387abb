"""Issue 13, item 1: every member of a group can sign in to a page of their own; the group's top
leader and contact person propose changes to its member list for a coordinator to accept."""
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tests.outbox import queued, text_of
from tests.participants.conftest import account_for
from tracker import clock
from tracker.organisations.models import Organisation
from tracker.outbox.models import MailKind
from tracker.participants.models import MemberProposal, ProposalKind, ProposalState
from tracker.people.models import MemberRole, Membership, Person
from tracker.roles import Role
from tracker.users.models import AccountLink, LinkPurpose, User

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def mail_folder(app, monkeypatch, tmp_path):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    return folder


def invitations_to(mail_folder, email: str) -> int:
    """Invitation mails to `email`: sent to the mail folder, or queued in the outbox (where
    the accounts' mails go once they all do)."""
    sent = [p for p in mail_folder.glob("*.eml") if email in p.read_text(errors="replace")] \
        if mail_folder.exists() else []
    return len(sent) + len(queued(kind=MailKind.ACCOUNT_INVITATION, to=email))


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data}, headers=EN)


def user_of(db, email):
    return db.session.scalar(select(User).where(User.email == email))


# Inviting members

def test_a_coordinator_invites_a_member_to_a_participants_account(client, db, group_world, mail_folder):
    login_as(client, group_world["coordinator"])
    kari = group_world["kari"]
    response = post(client, f"/participants/memberships/{kari.id}/invite")
    assert response.status_code == 302 and f"/groups/{kari.enrolment_id}" in response.headers["Location"]
    user = user_of(db, "kari@udir.example.org")
    assert user.role is Role.PARTICIPANT and user.person_id == kari.person_id
    assert user.organisation_id is None and not user.has_password
    assert db.session.scalar(select(AccountLink).where(
        AccountLink.user_id == user.id, AccountLink.purpose == LinkPurpose.INVITATION)) is not None
    assert invitations_to(mail_folder, "kari@udir.example.org") == 1


@pytest.mark.parametrize("who", ["leader", "contact"])
def test_the_top_leader_and_contact_person_get_a_group_leaders_account(client, db, group_world, who):
    login_as(client, group_world["coordinator"])
    membership = group_world[who]
    post(client, f"/participants/memberships/{membership.id}/invite?from=person")
    user = user_of(db, membership.person.email)
    assert user.role is Role.AGENCY and user.organisation_id == group_world["udir"].id
    assert user.person_id == membership.person_id


def test_inviting_again_sends_a_new_invitation_until_they_sign_in(client, db, group_world, mail_folder):
    login_as(client, group_world["coordinator"])
    kari = group_world["kari"]
    post(client, f"/participants/memberships/{kari.id}/invite")
    post(client, f"/participants/memberships/{kari.id}/invite")
    user = user_of(db, "kari@udir.example.org")
    links = db.session.scalars(select(AccountLink).where(AccountLink.user_id == user.id)).all()
    assert len(links) == 2 and sum(link.revoked_at is None for link in links) == 1
    assert invitations_to(mail_folder, "kari@udir.example.org") == 2
    user.last_sign_in_at = clock.now()
    db.session.commit()
    response = post(client, f"/participants/memberships/{kari.id}/invite")
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "has an account already" in page
    assert invitations_to(mail_folder, "kari@udir.example.org") == 2


def test_a_member_without_an_address_or_who_has_left_is_not_invited(client, db, group_world):
    login_as(client, group_world["coordinator"])
    ola = group_world["ola"]
    ola.left_on = clock.today() - timedelta(days=1)
    kari = group_world["kari"]
    kari.person.email, kari.person.name = None, None
    kari.person.erased_at = clock.now()
    db.session.commit()
    for membership, words in ((ola, "has left the group"), (kari, "has no e-mail address")):
        response = post(client, f"/participants/memberships/{membership.id}/invite")
        assert words in client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.role == Role.PARTICIPANT)) is None


def test_an_address_that_is_another_persons_account_is_refused(client, db, group_world, make_person):
    other = make_person(name="Annen", email="annen@example.org")
    user = account_for(db, group_world["ola"])
    user.email = "kari@udir.example.org"  # an old account of Ola's, under Kari's address
    db.session.commit()
    login_as(client, group_world["coordinator"])
    response = post(client, f"/participants/memberships/{group_world['kari'].id}/invite")
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "belongs to another person" in page
    assert other.id  # untouched


def test_a_coordinator_invites_every_member_at_once(client, db, group_world, mail_folder):
    account_for(db, group_world["ola"]).last_sign_in_at = clock.now()
    db.session.commit()
    login_as(client, group_world["coordinator"])
    response = post(client, f"/participants/groups/{group_world['group'].id}/invite")
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Invitations are sent to 3 members." in page and "Ola Medlem" in page
    roles = dict(db.session.execute(select(User.email, User.role).where(
        User.email.like("%@udir.example.org"))).all())
    assert roles == {"liv@udir.example.org": Role.AGENCY, "kjell@udir.example.org": Role.AGENCY,
                     "kari@udir.example.org": Role.PARTICIPANT, "ola@udir.example.org": Role.PARTICIPANT}
    assert invitations_to(mail_folder, "ola@udir.example.org") == 0


def test_the_invite_buttons_are_on_the_group_and_person_pages_for_coordinators_only(
        client, db, group_world, signed_in_as):
    group, kari = group_world["group"], group_world["kari"]
    login_as(client, group_world["coordinator"])
    page = client.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)
    assert f"/participants/memberships/{kari.id}/invite" in page
    assert f"/participants/groups/{group.id}/invite" in page
    person_page = client.get(f"/people/{kari.person_id}", headers=EN).get_data(as_text=True)
    assert f"/participants/memberships/{kari.id}/invite?from=person" in person_page
    signed_in_as(group_world["leader"])
    assert client.post(f"/participants/memberships/{kari.id}/invite",
                       data={"csrf_token": csrf_token(client)}).status_code == 403


def test_a_member_who_signs_in_already_is_not_offered_an_invitation(client, db, group_world):
    """The group page's account column says a member's account is active instead of offering
    an invitation the tracker would refuse; one still only invited may be sent a new one."""
    from tests.participants.conftest import account_for
    from tracker.users.models import AccountStatus

    group, kari = group_world["group"], group_world["kari"]
    login_as(client, group_world["coordinator"])
    invite = f"/participants/memberships/{kari.id}/invite"
    assert invite in client.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)

    user = account_for(db, kari)  # an accepted invitation: the account is active
    assert user.status is AccountStatus.ACTIVE
    page = client.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)
    [row] = [r for r in page.split("<tr>") if "Kari Medlem" in r]
    assert "<td>Active</td>" in row and invite not in page
    person_page = client.get(f"/people/{kari.person_id}", headers=EN).get_data(as_text=True)
    assert "<td>Active</td>" in person_page and invite not in person_page

    user.password_hash, user.last_sign_in_at = None, None  # invited, not yet accepted
    db.session.commit()
    assert user.status is AccountStatus.INVITED
    page = client.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)
    [row] = [r for r in page.split("<tr>") if "Kari Medlem" in r]
    # Said to be invited, so a second invitation is sent knowingly.
    assert invite in row and "Invited" in row and "Send a new invitation" in row


# A participant's own page

def test_a_participant_sees_their_own_group_and_nothing_of_the_organisation(
        client, db, group_world, signed_in_as, make_session):
    group = group_world["group"]
    session = make_session(group_world["cohort"], group=group,
                           starts_at=clock.now() + timedelta(days=7))
    db.session.commit()
    user = signed_in_as(group_world["kari"])
    assert client.get("/").headers["Location"] == "/groups/mine"
    page = client.get("/groups/mine", headers=EN).get_data(as_text=True)
    assert "Utdanningsdirektoratet" in page and "Kull 9" in page
    assert f"session-{session.id}" in page and "Your attendance" in page
    # Not the group's members: only its top leader and contact person see them.
    assert "Ola Medlem" not in page and "Propose a new member" not in page
    for url in (f"/groups/{group.id}", f"/cohorts/{group.cohort_id}",
                f"/organisations/{group.organisation_id}"):
        assert client.get(url).status_code == 404, url
    assert "Utdanningsdirektoratet" not in client.get("/organisations/").get_data(as_text=True)
    assert db.session.scalars(select(Organisation).where(Organisation.visible_to(user))).all() == []


def test_the_top_leader_sees_the_members_and_may_propose(client, db, group_world, signed_in_as):
    signed_in_as(group_world["leader"])
    page = client.get("/groups/mine", headers=EN).get_data(as_text=True)
    assert "Ola Medlem" in page and "Propose a new member" in page
    assert f"/participants/memberships/{group_world['ola'].id}/proposals/new" in page
    assert "ola@udir.example.org" not in page  # addresses are the coordinators'


def test_a_member_sees_their_open_survey_link_and_only_their_own(client, db, group_world, signed_in_as):
    from tests.surveys.walk_rounds import _round
    from tracker.surveys.models import Respondent
    from tracker.surveys.rounds import link_token, renew_link

    kari, ola = group_world["kari"], group_world["ola"]
    survey_round = _round(group_world["group"], [kari.person, ola.person])
    db.session.commit()
    mine, others = (db.session.scalar(select(Respondent).where(Respondent.person_id == m.person_id))
                    for m in (kari, ola))
    signed_in_as(kari)
    page = client.get("/groups/mine", headers=EN).get_data(as_text=True)
    assert f"/answer/{link_token(mine)}" in page and "Surveys waiting for your answer" in page
    assert link_token(others) not in page
    old = link_token(mine)
    renew_link(mine)
    db.session.commit()
    page = client.get("/groups/mine", headers=EN).get_data(as_text=True)
    assert old not in page and f"/answer/{link_token(mine)}" in page
    mine.has_answered = True
    db.session.commit()
    assert "/answer/" not in client.get("/groups/mine", headers=EN).get_data(as_text=True)
    mine.has_answered = False
    survey_round.closed_at = clock.now()
    db.session.commit()
    assert "/answer/" not in client.get("/groups/mine", headers=EN).get_data(as_text=True)


def test_the_page_leaves_a_place_for_the_materials():
    from pathlib import Path

    template = Path(__file__).resolve().parents[2] / "templates" / "groups" / "mine.html"
    assert '{% include "materials/_my_sessions.html" ignore missing %}' in template.read_text()


# Proposals

def propose(client, group, **values):
    data = {"name": "Nora Ny", "email": "nora@udir.example.org", "title": "Avdelingsdirektør",
            "role": "MEMBER", **values}
    return post(client, f"/participants/groups/{group.id}/proposals/new", **data)


def test_the_contact_person_proposes_a_new_member_and_the_coordinators_are_told(
        client, db, group_world, signed_in_as, make_user):
    make_user("coordinator", email="koordinator2@difi.example.org")
    make_user("admin", email="admin@difi.example.org")
    signed_in_as(group_world["contact"])
    response = propose(client, group_world["group"])
    assert response.status_code == 302
    proposal = db.session.scalar(select(MemberProposal))
    assert (proposal.kind, proposal.state, proposal.email, proposal.role) == (
        ProposalKind.ADD, ProposalState.PENDING, "nora@udir.example.org", MemberRole.MEMBER)
    mails = queued(kind=MailKind.MEMBER_PROPOSAL)
    assert sorted(m["To"].addresses[0].addr_spec for m in mails) == [
        "koordinator2@difi.example.org", "koordinator@difi.example.org"]
    assert "Nora Ny" in text_of(mails[0]) and "Kjell Kontakt" in text_of(mails[0])
    assert f"/groups/{group_world['group'].id}#member-proposals" in text_of(mails[0])
    page = client.get("/groups/mine", headers=EN).get_data(as_text=True)
    assert "Your proposed changes to the members" in page and "Waiting for a coordinator" in page


@pytest.mark.parametrize("values, field, words", [
    ({"email": "ikke-en-adresse"}, "email", "Email: enter a valid email address."),
    ({"email": "kari@udir.example.org"}, "email", "Kari Medlem is already a member of this group."),
    ({"email": "KARI@udir.example.org "}, "email", "Kari Medlem is already a member of this group."),
    ({"name": ""}, "name", "Enter the person's name."),
    ({"name": "x" * 201}, "name", "200"),
    ({"role": "EMPEROR"}, "role", "Role: choose one from the list."),
])
def test_a_bad_proposal_names_its_field_and_saves_nothing(
        client, db, group_world, signed_in_as, values, field, words):
    signed_in_as(group_world["leader"])
    response = propose(client, group_world["group"], **values)
    assert response.status_code == 400
    page = read(response.data)
    tag = "select" if field == "role" else "input"
    assert page.all(tag, id=field)[0].get("aria-invalid") == "true"
    assert words in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(MemberProposal)) is None
    assert queued(kind=MailKind.MEMBER_PROPOSAL) == []


def test_the_same_person_is_not_proposed_twice(client, db, group_world, signed_in_as):
    signed_in_as(group_world["leader"])
    propose(client, group_world["group"])
    response = propose(client, group_world["group"], email="Nora@udir.example.org")
    assert response.status_code == 400 and "proposed already" in response.get_data(as_text=True)


def test_only_the_groups_own_leaders_may_propose(client, db, group_world, signed_in_as):
    group, other = group_world["group"], group_world["other"]
    signed_in_as(group_world["leader"])
    assert client.get(f"/participants/groups/{other.id}/proposals/new").status_code == 404
    assert propose(client, other).status_code == 404
    assert client.get(
        f"/participants/memberships/{group_world['skd_leader'].id}/proposals/new").status_code == 404
    signed_in_as(group_world["kari"])  # a member, not a leader
    assert client.get(f"/participants/groups/{group.id}/proposals/new").status_code == 404
    assert propose(client, group).status_code == 404
    # A leader who has left leads no more (the day they leave is theirs still, as everywhere
    # in the programme: Membership.not_left_by).
    group_world["contact"].left_on = clock.today() - timedelta(days=1)
    db.session.commit()
    signed_in_as(group_world["contact"])
    assert client.get(f"/participants/groups/{group.id}/proposals/new").status_code == 404
    login_as(client, group_world["coordinator"])  # staff edit the members themselves
    assert client.get(f"/participants/groups/{group.id}/proposals/new").status_code == 403
    assert db.session.scalar(select(MemberProposal)) is None


def change(client, membership, **data):
    return post(client, f"/participants/memberships/{membership.id}/proposals/new", **data)


def test_bad_change_proposals_name_their_field(client, db, group_world, signed_in_as):
    signed_in_as(group_world["leader"])
    kari = group_world["kari"]
    for data, field, words in (
            ({"kind": "CHANGE_ROLE", "role": "MEMBER"}, "role", "has this role already"),
            ({"kind": "CHANGE_ROLE", "role": ""}, "role", "Choose a role."),
            ({"kind": "LEAVE_FOREVER"}, "kind", ""),
            ({}, "kind", "Choose what should change.")):
        response = change(client, kari, **data)
        assert response.status_code == 400, data
        assert words in response.get_data(as_text=True), data
        assert read(response.data).all("input", id=f"{field}-0") or \
            read(response.data).all("select", id=field)[0].get("aria-invalid") == "true"
    assert change(client, kari, kind="REMOVE").status_code == 302
    response = change(client, kari, kind="CHANGE_ROLE", role="CONTACT")
    assert response.status_code == 400 and "waits for a coordinator already" in response.get_data(as_text=True)
    assert db.session.scalar(select(MemberProposal.kind)) is ProposalKind.REMOVE


def decide(client, proposal, decision):
    return post(client, f"/participants/proposals/{proposal.id}/decide", decision=decision)


def proposals_made(client, db, group_world, signed_in_as):
    """A leader proposes one of each kind; then the coordinator signs in."""
    signed_in_as(group_world["leader"])
    propose(client, group_world["group"])
    change(client, group_world["ola"], kind="REMOVE")
    change(client, group_world["kari"], kind="CHANGE_ROLE", role="CONTACT")
    login_as(client, group_world["coordinator"])
    return {p.kind: p for p in db.session.scalars(select(MemberProposal))}


def test_the_coordinator_sees_the_proposals_on_the_group_page(client, db, group_world, signed_in_as):
    proposals = proposals_made(client, db, group_world, signed_in_as)
    page = client.get(f"/groups/{group_world['group'].id}", headers=EN).get_data(as_text=True)
    assert "Proposed changes to the members" in page
    assert "Add Nora Ny (member) to the group." in page and "nora@udir.example.org" in page
    assert "Ola Medlem leaves the group." in page and "Kari Medlem becomes contact." in page
    for proposal in proposals.values():
        assert f"/participants/proposals/{proposal.id}/decide" in page


def test_accepting_applies_each_proposal_through_the_people_rules(client, db, group_world, signed_in_as):
    proposals = proposals_made(client, db, group_world, signed_in_as)
    for proposal in proposals.values():
        assert decide(client, proposal, "accept").status_code == 302
    db.session.expire_all()
    nora = db.session.scalar(select(Person).where(Person.email == "nora@udir.example.org"))
    membership = db.session.scalar(select(Membership).where(Membership.person_id == nora.id))
    assert membership.enrolment_id == group_world["group"].id and membership.role is MemberRole.MEMBER
    assert nora.organisation_id == group_world["udir"].id and nora.title == "Avdelingsdirektør"
    assert group_world["ola"].left_on == clock.today()
    assert group_world["kari"].role is MemberRole.CONTACT
    assert {p.state for p in db.session.scalars(select(MemberProposal))} == {ProposalState.ACCEPTED}
    login_as(client, user_of(db, "liv@udir.example.org"))
    assert "Accepted" in client.get("/groups/mine", headers=EN).get_data(as_text=True)


def test_a_proposal_is_decided_once(client, db, group_world, signed_in_as):
    proposal = proposals_made(client, db, group_world, signed_in_as)[ProposalKind.REMOVE]
    assert decide(client, proposal, "decline").status_code == 302
    again = decide(client, proposal, "accept")
    assert again.status_code == 409 and "was declined already" in again.get_data(as_text=True)
    db.session.expire_all()
    assert group_world["ola"].left_on is None and proposal.state is ProposalState.DECLINED


def test_a_proposal_the_people_rules_refuse_stays_waiting(client, db, group_world, signed_in_as):
    signed_in_as(group_world["contact"])
    response = change(client, group_world["kari"], kind="CHANGE_ROLE", role="TOP_LEADER")
    assert response.status_code == 302
    login_as(client, group_world["coordinator"])
    proposal = db.session.scalar(select(MemberProposal))
    response = decide(client, proposal, "accept")
    page = unescape(client.get(response.headers["Location"], headers=EN).get_data(as_text=True))
    assert "already the group's top leader" in page
    db.session.expire_all()
    assert proposal.state is ProposalState.PENDING and group_world["kari"].role is MemberRole.MEMBER


def test_a_decision_that_is_neither_is_refused(client, db, group_world, signed_in_as):
    proposal = proposals_made(client, db, group_world, signed_in_as)[ProposalKind.ADD]
    response = decide(client, proposal, "maybe")
    assert response.status_code == 302
    db.session.expire_all()
    assert proposal.state is ProposalState.PENDING


def test_only_staff_decide_and_only_the_proposer_reads_their_proposal(client, db, group_world, signed_in_as):
    proposal = proposals_made(client, db, group_world, signed_in_as)[ProposalKind.ADD]
    signed_in_as(group_world["contact"])
    assert decide(client, proposal, "accept").status_code == 403
    page = client.get("/groups/mine", headers=EN).get_data(as_text=True)
    assert "nora@udir.example.org" not in page  # the leader's proposal, not the contact's


def test_erasing_a_person_erases_the_proposal_that_named_them(client, db, group_world, signed_in_as):
    from tracker.privacy.services import erase_person

    proposal = proposals_made(client, db, group_world, signed_in_as)[ProposalKind.ADD]
    decide(client, proposal, "accept")
    signed_in_as(group_world["contact"])
    propose(client, group_world["group"], name="Per Annen", email="per@udir.example.org", title="")
    nora = db.session.scalar(select(Person).where(Person.email == "nora@udir.example.org"))
    erase_person(nora)
    db.session.commit()
    rows = db.session.execute(select(MemberProposal.name, MemberProposal.email, MemberProposal.title)
                              .order_by(MemberProposal.id)).all()
    assert "Nora" not in repr(rows) and "nora@" not in repr(rows) and "Avdelingsdirektør" not in repr(rows)
    assert ("Per Annen", "per@udir.example.org", None) in rows


def test_the_demo_has_a_participant_in_a_running_group(demo_database):
    from tracker.cohorts.models import CohortStatus
    from tracker.participants.services import my_groups, shows_members_to

    db = demo_database(clock.today())
    user = db.session.scalar(select(User).where(User.email == "deltaker.udir@example.org"))
    assert user.role is Role.PARTICIPANT and user.organisation_id is None
    mine = my_groups(user, clock.now())
    assert mine.current.organisation.short_name == "Udir"
    assert mine.current.cohort.status(clock.today()) is CohortStatus.RUNNING
    assert not shows_members_to(user, mine.current)  # a member, not the group's leader


def test_every_link_on_a_participants_page_opens(client, db, group_world, signed_in_as, make_session):
    from urllib.parse import urlsplit

    make_session(group_world["cohort"], group=group_world["group"],
                 starts_at=clock.now() + timedelta(days=7))
    db.session.commit()
    signed_in_as(group_world["kari"])
    page = read(client.get("/groups/mine").data)
    paths = {urlsplit(a["href"]).path for a in page.all("a") if a.get("href", "").startswith("/")}
    assert paths
    for path in sorted(paths - {"/logout"}):
        assert client.get(path).status_code in (200, 302), path


def test_a_leaders_account_from_before_is_tied_to_their_person(client, db, group_world, make_user):
    """A group leader's account an administrator made before (no person): inviting the top
    leader ties it to her, so it shows her groups and she may propose changes."""
    old = make_user("agency", organisation=group_world["udir"], email="liv@udir.example.org")
    old.last_sign_in_at = clock.now()
    db.session.commit()
    login_as(client, group_world["coordinator"])
    response = post(client, f"/participants/memberships/{group_world['leader'].id}/invite")
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "now shows their own groups" in page
    db.session.expire_all()
    assert old.person_id == group_world["leader"].person_id and old.role is Role.AGENCY
    login_as(client, old)
    assert client.get(f"/participants/groups/{group_world['group'].id}/proposals/new").status_code == 200


def test_an_invitation_asks_a_coordinator_to_confirm_it_is_them_after_a_while(
        app, client, db, group_world, monkeypatch):
    login_as(client, group_world["coordinator"])
    monkeypatch.setitem(app.config, "REAUTH_MINUTES", 0)  # every check is too old
    kari = group_world["kari"]
    for url in (f"/participants/memberships/{kari.id}/invite",
                f"/participants/groups/{group_world['group'].id}/invite"):
        response = post(client, url)
        assert response.status_code == 302 and "confirm" in response.headers["Location"], url
        assert f"groups%2F{kari.enrolment_id}" in response.headers["Location"] \
            or f"groups/{kari.enrolment_id}" in response.headers["Location"]
    assert user_of(db, "kari@udir.example.org") is None
