from flask import Flask


def register(app: Flask) -> None:
    from tracker.audit.services import listen

    listen()
