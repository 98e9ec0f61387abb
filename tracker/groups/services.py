"""Rules about leadership groups (enrolments) and their members."""
from datetime import datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker import clock
from tracker.bounds import LIKE_ESCAPE, contains
from tracker.cohorts.models import Cohort
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange
from tracker.organisations.models import Organisation
from tracker.roles import Reader

# Where a group may go from each status; completed and withdrawn are final.
TRANSITIONS: dict[EnrolmentStatus, tuple[EnrolmentStatus, ...]] = {
    EnrolmentStatus.INVITED: (EnrolmentStatus.CONFIRMED, EnrolmentStatus.WITHDRAWN),
    EnrolmentStatus.CONFIRMED: (EnrolmentStatus.ACTIVE, EnrolmentStatus.WITHDRAWN),
    EnrolmentStatus.ACTIVE: (EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN),
    EnrolmentStatus.COMPLETED: (),
    EnrolmentStatus.WITHDRAWN: (),
}
# How a group enters a cohort.
INITIAL_STATUSES = (EnrolmentStatus.INVITED, EnrolmentStatus.CONFIRMED)


def allowed_transitions(status: EnrolmentStatus) -> list[EnrolmentStatus]:
    """The statuses a group in `status` may move to next, in the order they usually come."""
    return list(TRANSITIONS[status])


def enrol(
    cohort: Cohort,
    organisation: Organisation,
    *,
    status: EnrolmentStatus = EnrolmentStatus.INVITED,
    notes: str = "",
    at: datetime | None = None,
) -> Enrolment:
    """Enrol an organisation's leadership group in a cohort.

    Refused when the organisation is already in this cohort, when the cohort's places are all
    taken (withdrawn groups leave theirs free), when the organisation takes part in another
    cohort whose course overlaps this one, or when the group would enter neither invited nor
    confirmed.

    Safe against enrolments at the same moment: the cohort's and the organisation's rows are
    locked (on PostgreSQL; SQLite lets one writer at a time anyway) until the request commits,
    so the places and overlaps are counted with every earlier enrolment committed, and the
    database's unique key refuses a second group of the same organisation in the cohort that
    passed the check above at the same time (IntegrityError, answered 409).

    :raise DomainError: as above, naming the field at fault.
    :raise IntegrityError: at the flush, when the same organisation was enrolled in the cohort
        at the same moment.
    """
    if status not in INITIAL_STATUSES:
        raise DomainError(_l("A group enters a cohort invited or confirmed."), field="status")
    already = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.cohort_id == cohort.id, Enrolment.organisation_id == organisation.id
        )
    )
    if already:
        raise DomainError(
            _l("This organisation is already enrolled in this cohort."), field="organisation"
        )
    lock_for_enrolment(cohort, organisation)
    if places_taken(cohort) >= cohort.capacity:
        raise DomainError(
            _l("%(cohort)s is full: all %(capacity)s places are taken.",
               cohort=cohort.label, capacity=cohort.capacity),
            field="cohort",
        )
    other = Enrolment.overlapping([organisation.id], cohort.start_date, cohort.planned_end,
                                  besides=cohort.id)
    if other is not None:
        raise DomainError(
            _l("This organisation already takes part in %(cohort)s, whose course overlaps "
               "this one.", cohort=other.cohort.label),
            field="organisation",
        )
    enrolment = Enrolment(cohort=cohort, organisation=organisation, status=status, notes=notes)
    enrolment.status_history.append(EnrolmentStatusChange(status=status, changed_at=at or clock.now()))
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def lock_for_enrolment(cohort: Cohort, organisation: Organisation) -> None:
    """Hold the cohort's and the organisation's rows until the transaction ends, so two
    enrolments that count the same places or overlaps take turns.

    A lock rather than a counter of places kept on the cohort: the places taken stay one count
    of the groups taking part (a withdrawal frees a place without anyone updating a counter),
    and the same lock serialises the overlap check, which no check constraint could express.
    Always the cohort first, then the organisation, so two enrolments cannot wait on each other.
    """
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    db.session.execute(
        select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    )


def places_taken(cohort: Cohort) -> int:
    """The cohort's places taken as the database has them now, not as its loaded groups say:
    counted after `lock_for_enrolment`, it includes every enrolment committed before."""
    return db.session.scalar(
        select(func.count()).select_from(Enrolment).where(
            Enrolment.cohort_id == cohort.id, Enrolment.is_taking_part
        )
    )


def record_status(
    enrolment: Enrolment, status: EnrolmentStatus, *, reason: str = "", at: datetime | None = None
) -> None:
    """Move an enrolment to a new status and keep the step in its history."""
    enrolment.status = status
    enrolment.status_history.append(
        EnrolmentStatusChange(status=status, reason=reason, changed_at=at or clock.now())
    )


def change_status(
    enrolment: Enrolment, status: EnrolmentStatus, reason: str, version: object
) -> None:
    """Move a group to its next status, as the transitions allow, and keep the step in its history.

    :raise ConflictError: when the form was opened at another version of the enrolment.
    :raise DomainError: when the move is not allowed from the current status (field `status`),
        or a withdrawal gives no reason (field `reason`).
    """
    check_version(enrolment, version)
    if status not in TRANSITIONS[enrolment.status]:
        raise DomainError(
            _l("A group cannot go from %(old)s to %(new)s.",
               old=enrolment.status.label, new=status.label),
            field="status",
        )
    reason = reason.strip()
    if status is EnrolmentStatus.WITHDRAWN and not reason:
        raise DomainError(_l("Give the reason the group withdraws."), field="reason")
    record_status(enrolment, status, reason=reason)
    db.session.flush()


def update_notes(enrolment: Enrolment, notes: str, version: object) -> None:
    """Replace the coordinators' notes about a group.

    :raise ConflictError: when the form was opened at another version of the enrolment.
    """
    check_version(enrolment, version)
    enrolment.notes = notes.strip()
    db.session.flush()


def enrolments_of_cohort(cohort: Cohort) -> Select[tuple[Enrolment]]:
    """A cohort's groups by organisation name, with organisation and owning ministry loaded."""
    return (
        select(Enrolment)
        .join(Enrolment.organisation)
        .where(Enrolment.cohort_id == cohort.id)
        # Many-to-one, so joined in the same statement rather than loaded by one more each.
        .options(
            contains_eager(Enrolment.organisation).joinedload(Organisation.owning_ministry)
        )
        .order_by(Organisation.name_nb)
    )


def participation_history(organisation: Organisation,
                          for_user: Reader | None = None) -> Select[tuple[Enrolment]]:
    """An organisation's enrolments, oldest cohort first, with cohort and status history loaded;
    with `for_user`, only those they may see (a coordinator limited to some programmes)."""
    return (
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(Enrolment.organisation_id == organisation.id,
               true() if for_user is None else Enrolment.visible_to(for_user))
        .options(
            selectinload(Enrolment.cohort).selectinload(Cohort.programme),
            selectinload(Enrolment.status_history),
        )
        .order_by(Cohort.start_date)
    )


def get_enrolment_or_404(enrolment_id: int, for_user: Reader, with_history: bool = False) -> Enrolment:
    """The leadership group with this id, with its organisation and cohort, if the user may see it;
    `with_history`: with its status history too (the group's page shows it).

    :raise 404: when there is none, or it is outside the user's scope (an outsider cannot tell
        the two apart).
    """
    # Every group page names the organisation and the cohort: joined, not one more statement each.
    options = [joinedload(Enrolment.organisation), joinedload(Enrolment.cohort)]
    if with_history:
        options.append(joinedload(Enrolment.status_history))
    enrolment = db.session.get(Enrolment, enrolment_id, options=options)
    if enrolment is None or not enrolment.can_view(for_user):
        abort(404)
    return enrolment


# Work in bulk (issue 11): enrolling several organisations at once


def enrol_several(
    cohort: Cohort,
    organisations: list[Organisation],
    *,
    status: EnrolmentStatus = EnrolmentStatus.INVITED,
    notes: str = "",
) -> list[Enrolment]:
    """Enrol several organisations' groups in a cohort, all or none, each under `enrol`'s rules.

    Refused as a whole when more are chosen than the cohort has free places, or when any one
    would be refused alone (the refusal names it). The cohort is locked before its free places
    are counted (`lock_for_enrolment` locks it again for each, a no-op), and the organisations
    are locked in the order of their ids, so two coordinators enrolling at the same moment take
    turns and cannot wait on each other.

    :raise DomainError: on field `organisation`, naming the organisation at fault, or on field
        `cohort` when the cohort is full; nothing is enrolled then (the request rolls back).
    """
    if not organisations:
        raise DomainError(_l("Choose at least one organisation."), field="organisation")
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    free = cohort.capacity - places_taken(cohort)
    if free <= 0:
        raise DomainError(
            _l("%(cohort)s is full: all %(capacity)s places are taken.",
               cohort=cohort.label, capacity=cohort.capacity),
            field="cohort",
        )
    if len(organisations) > free:
        raise DomainError(
            lazy_ngettext(
                "You chose %(chosen)s organisations, but %(cohort)s has %(num)s free place left. "
                "Choose at most %(num)s.",
                "You chose %(chosen)s organisations, but %(cohort)s has %(num)s free places left. "
                "Choose at most %(num)s.", free, chosen=len(organisations), cohort=cohort.label),
            field="organisation",
        )
    enrolments = []
    for organisation in sorted(organisations, key=lambda o: o.id):
        try:
            enrolments.append(enrol(cohort, organisation, status=status, notes=notes))
        except DomainError as error:
            raise DomainError(
                _l("%(organisation)s: %(problem)s", organisation=organisation.name_nb, problem=str(error)),
                field="organisation" if error.field in ("organisation", "cohort") else error.field,
            ) from error
    return enrolments


def enrolment_candidates(
    cohort: Cohort, kinds: list, *, search: str = "", ministry_id: int | None = None
) -> Select[tuple[Organisation]]:
    """Organisations of these kinds that could join the cohort, by name: those not in it already
    (in any status), optionally whose name or short name contains `search` (any case), or that
    are ministry `ministry_id` or one of its agencies."""
    already = select(Enrolment.organisation_id).where(Enrolment.cohort_id == cohort.id)
    query = (
        select(Organisation)
        .where(Organisation.kind.in_(kinds), Organisation.id.not_in(already))
        .options(selectinload(Organisation.owning_ministry))
        .order_by(Organisation.name_nb, Organisation.id)
    )
    if search.strip():
        pattern = contains(search.strip().lower())
        query = query.where(func.lower(Organisation.name_nb).like(pattern, escape=LIKE_ESCAPE)
                            | func.lower(Organisation.name_en).like(pattern, escape=LIKE_ESCAPE)
                            | func.lower(Organisation.short_name).like(pattern, escape=LIKE_ESCAPE))
    if ministry_id is not None:
        query = query.where((Organisation.id == ministry_id)
                            | (Organisation.owning_ministry_id == ministry_id))
    return query


def histories(organisation_ids: list[int]) -> dict[int, list[Enrolment]]:
    """Each organisation's groups in every cohort, oldest first, with the cohort loaded: in two
    queries, however many organisations a picker lists."""
    history: dict[int, list[Enrolment]] = {}
    for enrolment in db.session.scalars(
        select(Enrolment)
        .join(Enrolment.cohort)
        .where(Enrolment.organisation_id.in_(organisation_ids))
        .options(selectinload(Enrolment.cohort))
        .order_by(Cohort.start_date, Cohort.id)
    ):
        history.setdefault(enrolment.organisation_id, []).append(enrolment)
    return history
