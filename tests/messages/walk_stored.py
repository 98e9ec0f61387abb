"""A message with the worst text stored in every field, for the walks that open every page with
such a world: tests/test_bounds_stored.py (control characters) and tests/test_escaping.py
(markup)."""

# URL argument -> the world key the records below are kept under.
ARGUMENTS = {"message_id": "cohort_message"}


def message_world(world: dict, text: str) -> dict:
    """A message to the world's group whose subject and text are `text`, sent to its person,
    stored as the database could hold it, past what the form lets in."""
    from tracker.extensions import db
    from tracker.messages.models import Audience, CohortMessage, MessageRecipient

    enrolment, person = world["enrolment"], world["person"]
    message = CohortMessage(cohort=world["cohort"], subject=text[:200], text=f"{text}\n\n{text}",
                            audience=Audience.EVERYONE, groups=[enrolment], whole_cohort=True)
    db.session.add(message)
    db.session.flush()
    message.recipients.append(MessageRecipient(person=person, enrolment=enrolment,
                                               email=person.email, outbox_key=f"message:{message.id}:x"))
    db.session.commit()
    return {"cohort_message": message}
