"""The pages, feeds, exports and API lists the benchmark times and the statement-count test
checks: one list, defined here, so both measure the same thing.

`prepare(today)` runs inside an app context on a database that holds a history (the synthetic
generator's, or the demo): it makes the bench's own accounts (a coordinator, a group leader, a
participant, a ministry viewer), their calendar feed addresses and an API token, picks the
records the pages open (the running cohort, one of its groups, …), commits, and returns a
`Fixture` whose `routes` are ready to request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

# Every bench account has this password (held to no policy: it is set as a hash, as the demo's are).
PASSWORD = "bench fjordlys passord"
ACCOUNTS = {
    "coordinator": "bench.koordinator@example.org",
    "agency": "bench.leder@example.org",
    "participant": "bench.deltaker@example.org",
    "ministry": "bench.departement@example.org",
    # Limited to the running cohort's programme: at scale 10 twenty programmes run at once, so
    # an unlimited coordinator's home has ten times the current work to tell; this one's home
    # has as much at every scale, and shows what history alone does to it.
    "programme coordinator": "bench.programkoordinator@example.org",
}

# kind: page, feed, export (whole state: the exports item 5 wants under a second), api.
# Each row: (name, who signs in, kind, URL with {placeholders} filled from Fixture.ids).
ROUTE_TEMPLATES: list[tuple[str, str, str, str]] = [
    ("home", "coordinator", "page", "/"),
    ("home (one programme's coordinator)", "programme coordinator", "page", "/"),
    ("programme", "coordinator", "page", "/programmes/{programme}"),
    ("cohort", "coordinator", "page", "/cohorts/{cohort}"),
    ("group", "coordinator", "page", "/groups/{enrolment}"),
    ("schedule (proposal)", "coordinator", "page", "/schedule/cohorts/{cohort}/proposal"),
    ("session attendance", "coordinator", "page", "/schedule/sessions/{session}/attendance"),
    ("notice of absence", "coordinator", "page", "/schedule/sessions/{session}/absence"),
    ("assessments", "coordinator", "page", "/assessments/cohorts/{cohort}"),
    ("survey results (cohort)", "coordinator", "page", "/surveys/cohorts/{cohort}/results"),
    ("survey results (group)", "coordinator", "page", "/surveys/groups/{enrolment}/results"),
    ("survey results (programme)", "coordinator", "page", "/programmes/{programme}/survey-results"),
    ("organisations", "coordinator", "page", "/organisations/"),
    ("organisation", "coordinator", "page", "/organisations/{organisation}"),
    ("people", "coordinator", "page", "/people/"),
    ("person", "coordinator", "page", "/people/{person}"),
    ("sector (whole state)", "coordinator", "page", "/reports/sector"),
    ("sector (one ministry)", "coordinator", "page", "/reports/sector?ministry={ministry}"),
    ("audit log", "coordinator", "page", "/audit/"),
    ("audit (cohort)", "coordinator", "page", "/audit/cohorts/{cohort}"),
    ("my group (group leader)", "agency", "page", "/groups/mine"),
    ("my group (participant)", "participant", "page", "/groups/mine"),
    ("sector (ministry viewer)", "ministry", "page", "/reports/sector"),
    ("feed: group", "anonymous", "feed", "/calendar/{feed_enrolment}.ics"),
    ("feed: cohort", "anonymous", "feed", "/calendar/{feed_cohort}.ics"),
    ("feed: person", "anonymous", "feed", "/calendar/{feed_person}.ics"),
    ("export: sector.csv", "coordinator", "export", "/reports/sector.csv"),
    ("export: sector.xlsx", "coordinator", "export", "/reports/sector.xlsx"),
    ("export: participation.csv", "coordinator", "export", "/reports/participation.csv"),
    ("export: participation.xlsx", "coordinator", "export", "/reports/participation.xlsx"),
    ("export: survey sector.csv", "coordinator", "export", "/reports/sector/survey-results.csv"),
    ("export: survey sector.xlsx", "coordinator", "export", "/reports/sector/survey-results.xlsx"),
    ("export: attendance.csv", "coordinator", "cohort export", "/reports/cohorts/{cohort}/attendance.csv"),
    ("export: attendance.xlsx", "coordinator", "cohort export", "/reports/cohorts/{cohort}/attendance.xlsx"),
    ("api: cohorts", "api", "api", "/api/v1/cohorts"),
    ("api: organisations", "api", "api", "/api/v1/organisations"),
    ("api: enrolments", "api", "api", "/api/v1/enrolments"),
    ("api: sessions", "api", "api", "/api/v1/sessions"),
    ("api: sector overview", "api", "api", "/api/v1/sector-overview"),
    ("api: sector survey", "api", "api", "/api/v1/reports/sector/survey-results"),
]

# The three pages the HTTP run puts under load (item 4 of issue 14).
LOAD_ROUTES = ("home", "cohort", "sector (whole state)")


@dataclass(frozen=True)
class Route:
    name: str
    who: str
    kind: str
    url: str


@dataclass
class Fixture:
    ids: dict[str, object]
    api_token: str
    routes: list[Route] = field(default_factory=list)

    def route(self, name: str) -> Route:
        return next(route for route in self.routes if route.name == name)


def prepare(today: date) -> Fixture:
    """Make the bench's accounts, feed addresses and API token, pick the records, commit."""
    from tracker.auth.tokens import new_token
    from tracker.calendar.models import FeedKind
    from tracker.calendar.services import make_address
    from tracker.cohorts.models import Cohort
    from tracker.extensions import db
    from tracker.groups.models import Enrolment
    from tracker.organisations.models import Organisation, OrganisationKind
    from tracker.people.models import MemberRole, Membership, Person
    from tracker.roles import Role
    from tracker.schedule.models import Session
    from tracker.users.models import User
    from tracker.users.services import create_user, hash_password, limit_to_programmes

    # The running cohort (the newest one started by today that has groups), else the newest.
    with_groups = select(Enrolment.cohort_id)
    cohort = db.session.scalar(
        select(Cohort).where(Cohort.start_date <= today, Cohort.id.in_(with_groups))
        .order_by(Cohort.start_date.desc(), Cohort.id.desc()).limit(1)
    ) or db.session.scalar(select(Cohort).where(Cohort.id.in_(with_groups))
                           .order_by(Cohort.start_date.desc()).limit(1))
    assert cohort is not None, "the database holds no cohort with groups"
    # A group with members whose organisation has no later group: My group shows an
    # organisation's newest group, and it must be this one at every size of history (else the
    # leader's page would show another group, with other parts, at one size than at another).
    later, later_cohort = aliased(Enrolment), aliased(Cohort)
    has_later = (select(later.id).join(later_cohort, later_cohort.id == later.cohort_id)
                 .where(later.organisation_id == Enrolment.organisation_id,
                        later_cohort.start_date > cohort.start_date).exists())
    with_members = (select(Enrolment).where(Enrolment.cohort_id == cohort.id)
                    .where(Enrolment.id.in_(select(Membership.enrolment_id))).order_by(Enrolment.id).limit(1))
    enrolment = (db.session.scalar(with_members.where(~has_later))
                 or db.session.scalar(with_members))
    organisation = enrolment.organisation
    # The ministry whose sector has the newest group: its timeline has cohorts around today
    # at every size of history (an empty window is drawn from the nearest cohorts instead,
    # which asks once more).
    newest_sector = db.session.scalar(
        select(Organisation.owning_ministry_id).join(Enrolment, Enrolment.organisation_id == Organisation.id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id).where(Organisation.owning_ministry_id.is_not(None))
        .order_by(Cohort.start_date.desc(), Enrolment.id).limit(1))
    ministry = (db.session.get(Organisation, newest_sector) if newest_sector else None) or db.session.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.MINISTRY).order_by(Organisation.id).limit(1)
    )

    def member(role: MemberRole | None) -> Person:
        query = select(Person).join(Membership).where(Membership.enrolment_id == enrolment.id)
        if role is not None:
            query = query.where(Membership.role == role)
        return db.session.scalar(query.order_by(Person.id).limit(1))

    top_leader = member(MemberRole.TOP_LEADER) or member(None)
    participant = member(MemberRole.MEMBER) or member(None)
    session = db.session.scalar(
        select(Session).where(Session.cohort_id == cohort.id).order_by(Session.starts_at).limit(1)
    )

    users: dict[str, User] = {}
    for who, email in ACCOUNTS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            role, scope = {
                "coordinator": (Role.COORDINATOR, None),
                "programme coordinator": (Role.COORDINATOR, None),
                "agency": (Role.AGENCY, organisation),
                "participant": (Role.PARTICIPANT, None),
                "ministry": (Role.MINISTRY, ministry),
            }[who]
            user = create_user(email, role, scope)
            user.password_hash = hash_password(PASSWORD)
            user.person = {"agency": top_leader, "participant": participant}.get(who)
        users[who] = user
    limit_to_programmes(users["programme coordinator"], [cohort.programme])
    db.session.flush()
    coordinator = users["coordinator"]
    ids: dict[str, object] = {
        "programme": cohort.programme_id,
        "cohort": cohort.id,
        "enrolment": enrolment.id,
        "organisation": organisation.id,
        "ministry": ministry.id,
        "person": top_leader.id,
        "session": session.id if session is not None else 0,
        "feed_enrolment": make_address(coordinator, FeedKind.ENROLMENT, enrolment),
        "feed_cohort": make_address(coordinator, FeedKind.COHORT, cohort),
        "feed_person": make_address(coordinator, FeedKind.PERSON, top_leader),
    }
    _token, secret = new_token(coordinator, "bench")
    db.session.commit()
    fixture = Fixture(ids=ids, api_token=secret)
    fixture.routes = [Route(name, who, kind, template.format(**ids))
                      for name, who, kind, template in ROUTE_TEMPLATES]
    return fixture


def history_size() -> dict[str, int]:
    """How much history the database holds, for the table's heading."""
    from tracker.cohorts.models import Cohort
    from tracker.extensions import db
    from tracker.groups.models import Enrolment
    from tracker.people.models import Person
    from tracker.schedule.models import Attendance

    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("cohorts", Cohort), ("groups", Enrolment), ("people", Person),
                                ("attendance marks", Attendance))}
