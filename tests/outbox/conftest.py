from tests.reminders.conftest import mail_folder, smtp  # noqa: F401  (the same loopback server)
