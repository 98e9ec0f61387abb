"""Issue 13: members of a group in the tracker. A coordinator invites them; a group's top leader
and contact person propose changes to its member list, which a coordinator accepts or declines.
(Each member's own page is groups.mine.)"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker.auth.recent import recent_check_required
from tracker.errors import render_error
from tracker.extensions import db
from tracker.forms import form_status, save
from tracker.groups.services import get_enrolment_or_404
from tracker.i18n import when
from tracker.participants.forms import DecideForm, InviteForm, ProposeChangeForm, ProposeMemberForm
from tracker.participants.proposals import (
    ProposalDecided,
    decide as decide_proposal,
    get_led_enrolment_or_404,
    get_led_membership_or_404,
    get_proposal_or_404,
    propose_addition,
    propose_change as propose_membership_change,
    proposals_of,
    what,
)
from tracker.people.models import Membership
from tracker.people.services import get_membership_or_404
from tracker.users.invites import invite_group as invite_everyone
from tracker.users.invites import account_statuses, invite_member, is_current

bp = Blueprint("participants", __name__)
# For the group's and the person's pages: is this member still in the group (may be invited,
# may be proposed to change)?, and a group's proposals for the coordinators.
bp.add_app_template_global(is_current, "is_current_member")
bp.add_app_template_global(what, "proposal_text")
bp.add_app_template_global(account_statuses, "member_accounts")


@bp.app_template_global("member_proposals")
def member_proposals(enrolment) -> list:
    return list(db.session.scalars(proposals_of(enrolment)))


def _flash_refusal(form) -> None:
    errors = list(form.form_errors) + [m for messages in form.errors.values() if isinstance(messages, list)
                                       for m in messages if isinstance(m, str)]
    for message in errors or [_("The form has expired. Try again.")]:
        flash(message, "error")


# Invitations: they make accounts, so (as an administrator's invitation) only after a recent
# check that it is the coordinator; a stale one is sent to confirm and back to the group's page.

def _group_page_of_membership(membership_id: int) -> str:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        return url_for("programmes.home")
    return url_for("groups.detail", enrolment_id=membership.enrolment_id)


@bp.post("/memberships/<int:membership_id>/invite")
@recent_check_required(back_to=_group_page_of_membership)
def invite(membership_id: int):
    """Invite one member to the tracker, from the group's page or the person's page."""
    membership = get_membership_or_404(membership_id, current_user)
    form = InviteForm()
    if saved := save(form, lambda: invite_member(membership, sent_by=current_user)):
        invited = saved.result
        if invited.link is None:
            flash(_("%(name)s signs in already as %(email)s: that account now shows their own "
                    "groups.", name=membership.person.name, email=invited.user.email), "success")
        else:
            flash(_("An invitation is sent to %(name)s (%(email)s); it works until %(when)s.",
                    name=membership.person.name, email=invited.user.email,
                    when=when(invited.link.expires_at)), "success")
    else:
        _flash_refusal(form)
    if request.args.get("from") == "person":
        return redirect(url_for("people.detail", person_id=membership.person_id))
    return redirect(url_for("groups.detail", enrolment_id=membership.enrolment_id, _anchor="members"))


@bp.post("/groups/<int:enrolment_id>/invite")
@recent_check_required(back_to=lambda enrolment_id: url_for("groups.detail", enrolment_id=enrolment_id))
def invite_group(enrolment_id: int):
    """Invite every current member of the group who cannot sign in yet."""
    enrolment = get_enrolment_or_404(enrolment_id, current_user)
    form = InviteForm()
    if saved := save(form, lambda: invite_everyone(enrolment, sent_by=current_user)):
        result = saved.result
        sent = [i for i in result.invited if i.link is not None]
        if sent:
            flash(ngettext("An invitation is sent to %(num)d member.",
                           "Invitations are sent to %(num)d members.", len(sent)), "success")
        if linked := [i for i in result.invited if i.link is None]:
            flash(_("Accounts that sign in already now show their own groups: %(emails)s.",
                    emails=", ".join(i.user.email for i in linked)), "success")
        if result.skipped:
            flash(_("Not invited (they sign in already or have no e-mail address): %(names)s.",
                    names=", ".join(result.skipped)), "info")
    else:
        _flash_refusal(form)
    return redirect(url_for("groups.detail", enrolment_id=enrolment.id, _anchor="members"))


# Proposals

@bp.route("/groups/<int:enrolment_id>/proposals/new", methods=["GET", "POST"])
def propose_member(enrolment_id: int):
    """A group's top leader or contact person proposes a new member."""
    enrolment = get_led_enrolment_or_404(enrolment_id, current_user)
    form = ProposeMemberForm()
    if save(form, lambda: propose_addition(
            enrolment, by=current_user, name=form.name.data, email=form.email.data,
            title=form.title.data, role=form.chosen_role())):
        flash(_("Your proposal is sent to the coordinators. You see its state on your page."),
              "success")
        return redirect(url_for("groups.mine", _anchor="proposals"))
    return render_template("participants/proposal_member.html", form=form,
                           enrolment=enrolment), form_status(form)


@bp.route("/memberships/<int:membership_id>/proposals/new", methods=["GET", "POST"])
def propose_change(membership_id: int):
    """A group's top leader or contact person proposes that a member leaves or changes role."""
    membership = get_led_membership_or_404(membership_id, current_user)
    form = ProposeChangeForm()
    if save(form, lambda: propose_membership_change(
            membership, by=current_user, kind=form.chosen_kind(), role=form.chosen_role())):
        flash(_("Your proposal is sent to the coordinators. You see its state on your page."),
              "success")
        return redirect(url_for("groups.mine", _anchor="proposals"))
    return render_template("participants/proposal_change.html", form=form,
                           membership=membership), form_status(form)


@bp.post("/proposals/<int:proposal_id>/decide")
def decide(proposal_id: int):
    """A coordinator accepts (and so applies) or declines a proposal, once."""
    proposal = get_proposal_or_404(proposal_id, current_user)
    if not proposal.is_pending:
        # Answered already (another coordinator, another tab): say so, change nothing. One
        # decided at this very moment is refused by decide() and flashed below.
        return render_error(409, detail=str(ProposalDecided(proposal)))
    form = DecideForm()
    if save(form, lambda: decide_proposal(proposal, by=current_user, accept=form.accepts)):
        flash(_("The proposal is accepted and the member list is changed.") if form.accepts
              else _("The proposal is declined."), "success")
    else:
        _flash_refusal(form)
    return redirect(url_for("groups.detail", enrolment_id=proposal.enrolment_id,
                            _anchor="member-proposals"))
