"""Issue 13, members (inviting members, proposals to change a group's members) in the walks every
page takes (see tests/walks.py; tests/surveys/walk_rounds.py documents every name)."""
from datetime import date


ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {
    "proposal_id": ("member_proposal_in", "member_proposal_out")}
FUZZ_ARGUMENTS: dict[str, str] = {"proposal_id": "member_proposal"}
FUZZED: set[str] = {"participants.decide"}
NOT_FUZZED: dict[str, str] = {
    "participants.invite": "a button with no field (its refusals: tests/participants/test_members.py)",
    "participants.invite_group": "a button with no field (tests/participants/test_members.py)",
    "participants.propose_member": "drawn only for the group's own top leader or contact person "
                                   "(the fuzzer signs in as an administrator): hostile values are "
                                   "posted by tests/participants/test_proposal_fuzz.py",
    "participants.propose_change": "drawn only for the group's own top leader or contact person: "
                                   "tests/participants/test_proposal_fuzz.py",
}
DRAWN_ON: dict[str, tuple[str, dict[str, str]] | None] = {
    "participants.decide": ("groups.detail", {"enrolment_id": "enrolment"}),
}
# The proposal pages are a group leader's (the axe walk signs in as an administrator):
# tests/browser/test_member_pages.py walks them with axe as the group's contact person.
WALKED_ELSEWHERE: set[str] = {"participants.propose_member", "participants.propose_change"}


def _proposal(enrolment, email: str):
    from tracker.participants.models import MemberProposal, ProposalKind
    from tracker.people.models import MemberRole

    return MemberProposal(enrolment=enrolment, kind=ProposalKind.ADD, name="Nora Ny",
                          email=email, title="Seniorrådgiver", role=MemberRole.MEMBER)


def access_world(world: dict) -> dict:
    """The agency leader of the access walk is the contact person of their group (so the
    proposal pages answer them for it, and not for the other group); a waiting proposal in
    each group."""
    from tracker.extensions import db
    from tracker.people.models import MemberRole, Membership, Person

    agency = world["users"]["agency"]
    # Another part of the walk may have given the account a person already (a guest at a
    # session, tests/materials/walk_materials.py): that person is made the contact, so both
    # parts' pages answer as they expect.
    contact = agency.person or Person(name="Kåre Kontakt", email="kontakt@example.org")
    world["enrolment_in"].memberships.append(
        Membership(person=contact, role=MemberRole.CONTACT, joined_on=date(2016, 9, 1)))
    agency.person = contact
    proposals = {"member_proposal_in": _proposal(world["enrolment_in"], "nora.in@example.org"),
                 "member_proposal_out": _proposal(world["enrolment_out"], "nora.out@example.org")}
    db.session.add_all(proposals.values())
    db.session.flush()
    return proposals


def fuzz_world(world: dict) -> dict:
    """A waiting proposal for the fuzzer's group, so the coordinators' buttons are drawn."""
    from tracker.extensions import db

    proposal = _proposal(world["enrolment"], "nora.fuzz@example.org")
    db.session.add(proposal)
    db.session.flush()
    return {"member_proposal": proposal}


def example_ids(db) -> dict[str, list]:
    """The decide endpoint takes only POST: the axe walk needs no proposal id. (The demo has
    none; the group page's list of proposals is walked by tests/browser/test_member_pages.py.)"""
    return {}
