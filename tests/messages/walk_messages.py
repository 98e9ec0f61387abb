"""The message pages (issue 13, item 5) in the walks every page takes (see tests/walks.py and
tests/surveys/walk_rounds.py, whose comments document every name)."""
from sqlalchemy import select

ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {
    "message_id": ("cohort_message_in", "cohort_message_out")}
FUZZ_ARGUMENTS: dict[str, str] = {"message_id": "cohort_message"}
# The message form: posted, it answers the preview and writes nothing.
FUZZED: set[str] = {"messages.new"}
NOT_FUZZED: dict[str, str] = {
    "messages.send": "drawn only on the preview a posted message form answers; empty, control, "
                     "overlong and marked-up values, foreign and withdrawn groups and stale or "
                     "missing previews are posted to it in tests/messages/test_messages.py",
}


def _message(cohort, enrolment, person):
    """A message kept as if sent to `person` of `enrolment` (no mail queued)."""
    from tracker.extensions import db
    from tracker.messages.models import Audience, CohortMessage, MessageRecipient

    message = CohortMessage(cohort=cohort, subject="Velkommen", text="Hei alle,\n\nVelkommen.",
                            audience=Audience.EVERYONE, groups=[enrolment], whole_cohort=True)
    db.session.add(message)
    db.session.flush()
    message.recipients.append(MessageRecipient(
        person=person, enrolment=enrolment, email=person.email,
        outbox_key=f"message:{message.id}:{person.id}"))
    db.session.flush()
    return message


def access_world(world: dict) -> dict:
    return {"cohort_message_in": _message(world["cohort_in"], world["enrolment_in"], world["person_in"]),
            "cohort_message_out": _message(world["cohort_out"], world["enrolment_out"], world["person_out"])}


def fuzz_world(world: dict) -> dict:
    return {"cohort_message": _message(world["cohort"], world["enrolment"], world["person"])}


def example_ids(db) -> dict[str, list]:
    """The demo's example message (tracker/seed/demo.py, issue 13)."""
    from tracker.messages.models import CohortMessage

    return {"message_id": db.session.scalars(select(CohortMessage.id).order_by(CohortMessage.id)
                                             .limit(1)).all()}
