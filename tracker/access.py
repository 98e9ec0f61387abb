"""Who may use which page: one table for every endpoint, checked before every request.

Role checks happen here, from the table. Object checks (is this cohort, group, organisation,
session or person in the user's scope?) live on the models: each scoped model answers
`can_view(user)` for one record and `visible_to(user)` as a SQL clause for lists
(`Organisation.visible_to` is the base the others build on). The loaders each view calls
(`get_cohort_or_404(id, user)` and the like), the list pages, the exports, the calendar feeds
and the API all ask those two methods and nothing else; the `scope` column says which object a
view checks, so the table and the models together are the whole answer to "who can reach this?".

Templates ask the same question through `may(endpoint, record=None)`: an action link is drawn
only when the table lets the reader use its endpoint (and, for a scoped one, the record is in
their scope), never by testing a role's name.

An endpoint missing from the table is refused for everyone, and the access test fails for it.

Below the table, "Who reads which text" answers the same question for every free-text field:
which of them are the coordinators' alone, and which the groups and ministries read too.
"""
from dataclasses import dataclass

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from tracker.problems import is_api_request, unauthorized
from tracker.roles import STAFF, Role

EVERYONE = None  # anonymous visitors too
SIGNED_IN = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role] | None
    scope: str = "none"  # which object check the view makes: none, cohort, organisation, enrolment


ACCESS: dict[str, Rule] = {
    "static": Rule(EVERYONE),
    "health.healthz": Rule(EVERYONE),
    "language.choose": Rule(EVERYONE),
    "auth.login": Rule(EVERYONE),
    "auth.logout": Rule(SIGNED_IN),
    "auth.change_password": Rule(SIGNED_IN),
    "auth.send_password_link": Rule(SIGNED_IN),
    # Invitations and password reset (tracker.auth.link_pages)
    "links.forgot": Rule(EVERYONE),
    "links.reset": Rule(EVERYONE),
    "links.invitation": Rule(EVERYONE),
    "users.invite": Rule(ADMINS, scope="user"),
    "users.revoke_invite": Rule(ADMINS, scope="user"),
    "users.send_reset": Rule(ADMINS, scope="user"),
    "users.remove_two_factor": Rule(ADMINS, scope="user"),

    # Single sign-on (tracker.auth.sso)
    "sso.start": Rule(EVERYONE),
    "sso.callback": Rule(EVERYONE),
    "sso.unlink": Rule(SIGNED_IN),

    # Two-factor and confirming it is you (tracker.auth.two_factor, tracker.auth.recent)
    # The code page is the second step of signing in: no one is signed in yet there.
    "two_factor.code": Rule(EVERYONE),
    "two_factor.setup": Rule(SIGNED_IN),
    "two_factor.recovery_codes": Rule(SIGNED_IN),
    "two_factor.disable": Rule(SIGNED_IN),
    "auth.confirm": Rule(SIGNED_IN),

    "programmes.home": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    "cohorts.detail": Rule(SIGNED_IN, scope="cohort"),
    "organisations.index": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    "organisations.detail": Rule(SIGNED_IN, scope="organisation"),
    "groups.detail": Rule(SIGNED_IN, scope="enrolment"),
    "audit.programme": Rule(STAFF),
    "audit.cohort": Rule(STAFF, scope="cohort"),
    "audit.enrolment": Rule(STAFF, scope="enrolment"),
    "people.index": Rule(STAFF),
    "people.detail": Rule(STAFF, scope="person"),
    "people.export": Rule(STAFF, scope="person"),
    "people.erase": Rule(STAFF, scope="person"),
    # Issue 13, the outbox (tracker/outbox/routes.py): every mail queued, for admins.
    "outbox.index": Rule(ADMINS),
    "outbox.retry": Rule(ADMINS),
    "users.index": Rule(ADMINS),
    "users.create": Rule(ADMINS),
    "users.edit": Rule(ADMINS, scope="user"),
    # Programme, course plan, assessment dimensions; people and memberships
    "programmes.detail": Rule(SIGNED_IN, scope="programme"),
    # Issue 14: several programmes. A coordinator limited to some sees only those.
    "programmes.index": Rule(STAFF, scope="list filtered to the user's programmes"),
    "programmes.create": Rule(STAFF),
    "programmes.finished": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    "programmes.edit": Rule(STAFF, scope="programme"),
    "programmes.new_module": Rule(STAFF),
    "programmes.edit_module": Rule(STAFF),
    "programmes.move_module": Rule(STAFF),
    "people.create": Rule(STAFF),
    "people.edit": Rule(STAFF, scope="person"),
    "people.new_membership": Rule(STAFF, scope="enrolment"),
    "people.edit_membership": Rule(STAFF, scope="membership"),
    # Work in bulk (issue 11): several members of a group at once
    "people.paste_members": Rule(STAFF, scope="enrolment"),
    # Cohorts and enrolments
    "cohorts.create": Rule(STAFF),
    "cohorts.edit": Rule(STAFF, scope="cohort"),
    "groups.create": Rule(STAFF, scope="cohort"),
    "groups.change_status": Rule(STAFF, scope="enrolment"),
    "groups.edit": Rule(STAFF, scope="enrolment"),
    # Schedule and attendance
    "schedule.propose": Rule(STAFF, scope="cohort"),
    "schedule.create": Rule(STAFF, scope="cohort"),
    "schedule.edit": Rule(STAFF, scope="session"),
    "schedule.attendance": Rule(STAFF, scope="session"),
    # Issue 11, attendance roster: a guest on one session's roster, and its sign-in sheet.
    "schedule.add_guest_to_session": Rule(STAFF, scope="session"),
    "schedule.remove_guest_from_session": Rule(STAFF, scope="session"),
    "schedule.sign_in_sheet": Rule(STAFF, scope="session"),
    # Progress, assessments and what needs attention
    "progress.record": Rule(STAFF, scope="enrolment"),
    "assessments.record": Rule(STAFF, scope="enrolment"),
    "assessments.cohort": Rule(STAFF, scope="cohort"),
    "assessments.new_dimension": Rule(STAFF),
    "assessments.edit_dimension": Rule(STAFF),
    # My group and calendar feeds
    "groups.mine": Rule(SIGNED_IN, scope="the user's own organisation and memberships"),
    "calendar.feed": Rule(EVERYONE, scope="feed token"),
    # Each reader's own address for a feed they may see: making a new one ends only theirs.
    "calendar.reset": Rule(SIGNED_IN, scope="enrolment/cohort/person by kind; the user's own address"),
    # Ending a shared address from before breaks everyone's subscription with it: only those who
    # run what the feed is about (staff; a group's own agency leaders; the person themselves),
    # never a ministry viewer (calendar.services.may_end_shared_address).
    "calendar.end_shared": Rule(STAFF | {Role.AGENCY}, scope="enrolment/cohort/person by kind"),
    # Ministry overview, timeline and exports
    "reports.sector": Rule(STAFF | {Role.MINISTRY}, scope="the ministry viewer's own sector"),
    "reports.sector_export": Rule(STAFF | {Role.MINISTRY}, scope="the ministry viewer's own sector"),
    "reports.cohort_attendance_export": Rule(SIGNED_IN, scope="cohort; rows of groups in scope"),
    "reports.participation_export": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    # The JSON API and access tokens
    "auth.account": Rule(SIGNED_IN),
    "auth.create_token": Rule(SIGNED_IN),
    "auth.revoke_token": Rule(SIGNED_IN, scope="token (the user's own)"),
    "api-docs.openapi_json": Rule(EVERYONE),
    "api_cohorts.index": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    "api_cohorts.detail": Rule(SIGNED_IN, scope="cohort"),
    "api_cohorts.create": Rule(STAFF),
    "api_cohorts.update": Rule(STAFF, scope="cohort"),
    "api_organisations.index": Rule(SIGNED_IN, scope="list filtered to the user's scope"),
    "api_organisations.detail": Rule(SIGNED_IN, scope="organisation"),
    "api_enrolments.index": Rule(SIGNED_IN, scope="list filtered to the user's scope; cohort"),
    "api_enrolments.detail": Rule(SIGNED_IN, scope="enrolment"),
    "api_enrolments.create": Rule(STAFF),
    "api_sessions.index": Rule(SIGNED_IN, scope="list filtered to the user's scope; cohort"),
    "api_sessions.detail": Rule(SIGNED_IN, scope="session"),
    "api_sessions.attendance": Rule(SIGNED_IN, scope="session"),
    "api_sessions.record_attendance": Rule(STAFF, scope="session"),
    "api_reports.sector_overview": Rule(STAFF | {Role.MINISTRY}, scope="the ministry viewer's own sector"),
    # Organisations and the register import
    "organisations.create": Rule(STAFF),
    "organisations.edit": Rule(STAFF, scope="organisation"),
    "organisations.import_upload": Rule(STAFF),
    "organisations.import_confirm": Rule(STAFF),
    # Register import (issue 11, item 6): merging and deleting organisations
    "organisations.merge": Rule(STAFF, scope="organisation"),
    "organisations.delete": Rule(STAFF, scope="organisation"),

    # Issue 12, the survey: instruments (tracker/surveys/instrument_routes.py)
    # The programme's instruments are its staff's work: no group or ministry reads them here.
    "instruments.index": Rule(STAFF),
    "instruments.new": Rule(STAFF),
    "instruments.copy": Rule(STAFF),
    "instruments.upload": Rule(STAFF),
    "instruments.version": Rule(STAFF),
    "instruments.edit": Rule(STAFF),
    "instruments.add": Rule(STAFF),
    "instruments.move": Rule(STAFF),
    "instruments.edit_part": Rule(STAFF),
    "instruments.start": Rule(STAFF),
    "instruments.delete": Rule(STAFF),
    "instruments.export_json": Rule(STAFF),
    "instruments.export_xlsx": Rule(STAFF),
    # (end of instruments)

    # Issue 12, the survey: rounds and their respondents (tracker/surveys/round_routes.py).
    # Who is asked and who has answered is the coordinators' alone: never what they answered.
    "survey_rounds.open_for_group": Rule(STAFF, scope="enrolment"),
    "survey_rounds.open_for_cohort": Rule(STAFF, scope="cohort"),
    "survey_rounds.detail": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.add_respondent": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.remove_respondent": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.renew_link": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.change_closing_day": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.change_minimum": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.close": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.remind": Rule(STAFF, scope="round's enrolment"),
    "survey_rounds.reopen": Rule(STAFF, scope="round's enrolment"),
    # (end of rounds)

    # Issue 12, the survey: a respondent's answer pages (tracker/surveys/respond_routes.py)
    # Anyone with a personal link: the link is the key (tracker.surveys.responses).
    "respond.answer": Rule(EVERYONE, scope="survey link"),
    # (end of answer pages)

    # Issue 12, the survey: results, exports and headline figures (result_routes.py, api)
    # A group's results (means, spreads, open answers): staff and the group's own leaders only
    # (Enrolment.shows_survey_results_to); a ministry reads its sector's figures, never one group's.
    "survey_results.group": Rule(STAFF | {Role.AGENCY}, scope="enrolment"),
    "survey_results.group_export": Rule(STAFF | {Role.AGENCY}, scope="enrolment"),
    # Across groups: the coordinators' comparison of a cohort and of the programme.
    "survey_results.cohort": Rule(STAFF, scope="cohort"),
    "survey_results.cohort_export": Rule(STAFF, scope="cohort"),
    "survey_results.programme": Rule(STAFF),
    "survey_results.programme_export": Rule(STAFF),
    # A sector's figures: shown with at least three groups (results.LEAST_GROUPS).
    "survey_results.sector_export": Rule(STAFF | {Role.MINISTRY}, scope="the ministry viewer's own sector"),
    "survey_results.headline_list": Rule(STAFF),
    "survey_results.headline_edit": Rule(STAFF),
    "survey_results.headline_move": Rule(STAFF),
    "survey_results.headline_remove": Rule(STAFF),
    "api_survey.enrolment_results": Rule(STAFF | {Role.AGENCY}, scope="enrolment"),
    "api_survey.cohort_results": Rule(STAFF, scope="cohort"),
    "api_survey.sector_results": Rule(STAFF | {Role.MINISTRY}, scope="the ministry viewer's own sector"),
    # (end of results)

    # Issue 13, materials (tracker/materials/routes.py): coordinators add and delete them; a
    # file or link is read by staff and by those expected at its session, or at a session of
    # its module (tracker/materials/services.py may_see), never by scope alone.
    "materials.for_session": Rule(STAFF, scope="session"),
    "materials.for_module": Rule(STAFF),
    "materials.delete": Rule(STAFF, scope="material"),
    "materials.download": Rule(SIGNED_IN, scope="material: staff, or expected at its session (may_see)"),
    # (end of materials)
    # Issue 13, messages to a cohort or group (tracker/messages/routes.py): the coordinators
    # write, preview and send, and read the copies kept with who received them.
    "messages.index": Rule(STAFF, scope="cohort"),
    "messages.new": Rule(STAFF, scope="cohort"),
    "messages.send": Rule(STAFF, scope="cohort"),
    "messages.detail": Rule(STAFF, scope="message's cohort"),
    # (end of messages)
    # Issue 13, evaluations of the joint gatherings (tracker/surveys/evaluation_routes.py).
    # Staff only: the programme's feedback on its own gatherings (tracker/surveys/evaluations.py).
    "evaluations.gathering": Rule(STAFF, scope="session"),
    "evaluations.send": Rule(STAFF, scope="session"),
    "evaluations.cohort": Rule(STAFF, scope="cohort"),
    "evaluations.programme": Rule(STAFF),
    # (end of evaluations)
    # Issue 13, members: a coordinator invites a group's members to accounts of their own; a
    # group's top leader and contact person propose changes to its member list (only for a
    # group their person leads today: tracker.participants.proposals.leads, else 404), which
    # a coordinator accepts or declines (tracker/participants/routes.py). A participant's page
    # is groups.mine.
    "participants.invite": Rule(STAFF, scope="membership"),
    "participants.invite_group": Rule(STAFF, scope="enrolment"),
    "participants.propose_member": Rule(frozenset({Role.AGENCY, Role.PARTICIPANT}),
                                        scope="enrolment the user's person leads"),
    "participants.propose_change": Rule(frozenset({Role.AGENCY, Role.PARTICIPANT}),
                                        scope="membership in a group the user's person leads"),
    "participants.decide": Rule(STAFF, scope="proposal's enrolment"),
    # (end of members)
    # Issue 13, notice of absence and stand-ins (tracker/schedule/absence_routes.py).
    # A group leader gives notice for their own person, or as the group's contact person for
    # its members (tracker.schedule.absence.may_speak_for; anyone else expected there: 403);
    # staff for anyone. Only staff decide on a stand-in.
    "absences.mine": Rule(STAFF | {Role.AGENCY, Role.PARTICIPANT}, scope="the user's own person and contact groups"),
    "absences.give": Rule(STAFF | {Role.AGENCY, Role.PARTICIPANT}, scope="session; the people the user speaks for"),
    "absences.withdraw": Rule(STAFF | {Role.AGENCY, Role.PARTICIPANT}, scope="session; the people the user speaks for"),
    "absences.decide": Rule(STAFF, scope="session"),
    # (end of notices of absence)
}


# Who reads which text
#
# Every free-text field the programme stores, and who may read it on any page, export, feed,
# mail or API answer. A page that shows a field asks the rule named here, never a role's name.
# Staff-only text is drawn only where `may(<staff endpoint>, record)` holds; tests/test_access.py
# renders every page an agency leader and a ministry viewer may open with a marker in each
# staff-only field and finds none.


class Readers:
    """Who reads a field, in words."""

    STAFF = "staff only: the coordinators' working notes"
    STAFF_AND_OWN_GROUP = "staff and the group's own agency leaders, never the ministry above them"
    ALL_WHO_SEE_IT = "everyone who may see the record it belongs to"
    OWNER = "the user it belongs to"
    OWNER_AND_STAFF = "the user it belongs to, and staff"


TEXT_READERS: dict[str, str] = {
    # A cohort's notes: the coordinators' own (the page shows them under may('cohorts.edit')).
    "cohort.notes": Readers.STAFF,
    # What the groups should know about their cohort, labelled so on the cohort page.
    "cohort.participant_information": Readers.ALL_WHO_SEE_IT,
    # A group's notes: the coordinators' own (shown under may('groups.edit')).
    "enrolment.notes": Readers.STAFF,
    # Why a group's status changed: part of the group's own history, which its leaders and its
    # ministry follow on the group page.
    "enrolment_status_change.reason": Readers.ALL_WHO_SEE_IT,
    # Why someone was absent: Enrolment.shows_attendance_notes_to, on pages and in exports.
    "attendance.note": Readers.STAFF_AND_OWN_GROUP,
    # What a group's members wrote in the survey's open questions: tracker.surveys.results
    # (shows_open_answers_to), only from rounds whose results are shown.
    "survey_open_answer.text": Readers.STAFF_AND_OWN_GROUP,
    # (Of a gathering's evaluation, they are staff's alone: its pages are, tracker/access.py.)
    # A note on a module recorded by hand: shown under may('progress.record').
    "module_progress.note": Readers.STAFF,
    # Where a session is: participants must know it; in feeds and reminders too.
    "session.location": Readers.ALL_WHO_SEE_IT,
    # A member's job title, beside their name on the group's pages.
    "person.title": Readers.ALL_WHO_SEE_IT,
    # A person's email: the people pages, which are staff's.
    "person.email": Readers.STAFF,
    # The course plan and the assessment dimensions describe the programme to everyone.
    "programme.description_nb": Readers.ALL_WHO_SEE_IT,
    "programme.description_en": Readers.ALL_WHO_SEE_IT,
    "assessment_dimension.description_nb": Readers.ALL_WHO_SEE_IT,
    "assessment_dimension.description_en": Readers.ALL_WHO_SEE_IT,
    # A material's title and link: for those who may see the material (materials.services.may_see).
    "material.title": Readers.ALL_WHO_SEE_IT,
    "material.url": Readers.ALL_WHO_SEE_IT,
    # The change log holds old values of every field above, and who made each change: staff only.
    "audit_entry.changes": Readers.STAFF,
    "audit_entry.actor": Readers.STAFF,
    # A user's sign-in address: their own account page, and the administrators' users pages.
    "user_account.email": Readers.OWNER_AND_STAFF,
    # What an API token is for: its owner's account page.
    "api_token.name": Readers.OWNER,
    # Issue 13, messages: a message's subject and text go by mail to the people it was sent to;
    # on pages only staff read them (the message pages are staff's, tracker/messages).
    "cohort_message.subject": "staff, and by mail the people it was sent to",
    "cohort_message.text": "staff, and by mail the people it was sent to",
    # Issue 13, members: a proposed member's name, address and title, as the group's leader
    # typed them: the proposer's own page and the coordinators' group page (under
    # may('participants.decide')), until a coordinator adds them as a person.
    "member_proposal.name": Readers.OWNER_AND_STAFF,
    "member_proposal.email": Readers.OWNER_AND_STAFF,
    "member_proposal.title": Readers.OWNER_AND_STAFF,
    # Issue 13: why someone cannot come (it may touch on health): the absent person, the user
    # who gave the notice (their contact person), and staff (absence.shows_reason_to); never
    # the rest of the group nor the ministry, and never in mail.
    "absence_notice.reason": Readers.OWNER_AND_STAFF,
}
STAFF_ONLY_TEXT = frozenset(field for field, readers in TEXT_READERS.items() if readers is Readers.STAFF)


def check_access():
    """Refuse the request unless the table lets this user use the endpoint."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no such page: the 404 handler answers
    rule = ACCESS.get(endpoint)
    if rule is None:
        current_app.logger.error("Endpoint %s has no entry in the access table", endpoint)
        abort(403)
    if rule.roles is EVERYONE:
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            return unauthorized()  # an API client has no sign-in page to go to
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in rule.roles:
        abort(403)
    return None


def allows(user, endpoint: str, record: object | None = None) -> bool:
    """Does the table let `user` (signed in or anonymous) use `endpoint`, for `record` when the
    endpoint is scoped?

    The table's roles decide; `record` (a cohort, group, organisation, session, person…) is
    asked `can_view(user)` when the endpoint's rule is scoped. An endpoint missing from the
    table is never allowed.
    """
    rule = ACCESS.get(endpoint)
    if rule is None:
        return False
    if rule.roles is EVERYONE:
        return True
    if not user.is_authenticated or user.role not in rule.roles:
        return False
    if record is not None and rule.scope != "none":
        return record.can_view(user)
    return True


def may(endpoint: str, record: object | None = None) -> bool:
    """May the signed-in reader open `endpoint` (for `record`)? For pages, to draw an action or
    a link only for those it would let in; as `allows` says."""
    return allows(current_user, endpoint, record)


def register(app: Flask) -> None:
    app.before_request(check_access)
    app.add_template_global(may)
