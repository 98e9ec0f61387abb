"""The error a service raises when a programme rule refuses a change."""
from flask_babel import LazyString


class DomainError(Exception):
    """A change the programme's rules refuse.

    `field` names the input at fault (a form field or JSON property), so a form can put the
    message next to it and the API can name it in its problem.
    """

    def __init__(self, message: str | LazyString, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
