"""tracker: the web application that runs *Program for toppledergrupper*."""
import os

from flask import Flask

from config import Config, ProductionConfig, config_from_environment


def create_app(config_class: type[Config] | None = None) -> Flask:
    config_class = config_class or config_from_environment()
    if issubclass(config_class, ProductionConfig):
        config_class.check()

    from tracker.transaction import TrackerFlask

    app = TrackerFlask(
        __name__,
        template_folder=os.path.join(os.path.dirname(__file__), "..", "templates"),
        static_folder=os.path.join(os.path.dirname(__file__), "..", "static"),
    )
    app.config.from_object(config_class)
    from tracker.bounds import BoundedIntegerConverter

    # Every <int:…> in every route holds only what an integer column can: larger is a 404.
    app.url_map.converters["int"] = BoundedIntegerConverter
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + os.path.join(app.instance_path, "tracker.sqlite")
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # No JIT compilation: PostgreSQL compiles a statement whose estimated cost is high, on
        # every run, and the survey's comparison over the whole state spent 3 of its 4 seconds
        # compiling, at each request (the bench's scale 10). A web app's statements are short.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args["options"] = f"{connect_args.get('options', '')} -c jit=off".strip()
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}

    register_extensions(app)
    register_blueprints(app)
    register_api(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (every table known to Alembic)
    from tracker.extensions import babel, csrf, db, limiter, login_manager, migrate
    from tracker.i18n import select_locale

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says what to do
    login_manager.session_protection = "basic"
    limiter.init_app(app)
    from tracker import access, audit, fragments, security, security_log, static_files
    from tracker.auth import sessions  # noqa: F401  (registers the session's user loader)
    from tracker.db_types import enable_sqlite_foreign_keys

    enable_sqlite_foreign_keys()
    security.register(app)
    static_files.register(app)
    fragments.register(app)
    security_log.register(app)
    access.register(app)
    audit.register(app)


def register_blueprints(app: Flask) -> None:
    from tracker.audit.routes import bp as audit_bp
    from tracker.auth.routes import bp as auth_bp
    from tracker.auth.sso import bp as sso_bp
    from tracker.auth.two_factor import bp as two_factor_bp
    from tracker.auth.link_pages import bp as links_bp
    from tracker.cohorts.routes import bp as cohorts_bp
    from tracker.groups.routes import bp as groups_bp
    from tracker.health import bp as health_bp
    from tracker.language import bp as language_bp
    from tracker.organisations.routes import bp as organisations_bp
    from tracker.people.routes import bp as people_bp
    from tracker.programmes.routes import bp as programmes_bp
    from tracker.schedule.routes import bp as schedule_bp
    from tracker.progress.routes import bp as progress_bp
    from tracker.assessments.routes import bp as assessments_bp
    from tracker.users.routes import bp as users_bp
    from tracker.reports.routes import bp as reports_bp
    from tracker.calendar.routes import bp as calendar_bp
    from tracker.surveys.instrument_routes import bp as instruments_bp
    from tracker.surveys.round_routes import bp as survey_rounds_bp
    from tracker.surveys.respond_routes import bp as respond_bp
    from tracker.surveys.result_routes import bp as survey_results_bp
    from tracker.outbox.routes import bp as outbox_bp
    from tracker.materials.routes import bp as materials_bp
    from tracker.messages.routes import bp as messages_bp  # issue 13: messages to a cohort
    from tracker.surveys.evaluation_routes import bp as evaluations_bp
    from tracker.participants.routes import bp as participants_bp
    from tracker.schedule.absence_routes import bp as absences_bp

    app.register_blueprint(programmes_bp)
    app.register_blueprint(cohorts_bp, url_prefix="/cohorts")
    app.register_blueprint(groups_bp, url_prefix="/groups")
    app.register_blueprint(organisations_bp, url_prefix="/organisations")
    app.register_blueprint(people_bp, url_prefix="/people")
    app.register_blueprint(audit_bp, url_prefix="/audit")
    app.register_blueprint(users_bp, url_prefix="/admin/users")
    app.register_blueprint(schedule_bp, url_prefix="/schedule")
    app.register_blueprint(progress_bp, url_prefix="/progress")
    app.register_blueprint(assessments_bp)  # its own addresses: /assessments/, /programmes/
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(calendar_bp, url_prefix="/calendar")
    # The survey's pages name their whole addresses: instruments under their programme, rounds
    # and results under /surveys/, a respondent's link at /answer/<token>.
    app.register_blueprint(instruments_bp)
    app.register_blueprint(survey_rounds_bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(survey_results_bp)
    app.register_blueprint(outbox_bp, url_prefix="/admin/outbox")
    app.register_blueprint(materials_bp)  # /schedule/sessions/…/materials, /programmes/…, /materials/…
    app.register_blueprint(messages_bp)  # its own addresses: /cohorts/<id>/messages…
    app.register_blueprint(evaluations_bp)
    app.register_blueprint(participants_bp, url_prefix="/participants")
    app.register_blueprint(absences_bp, url_prefix="/schedule")
    app.register_blueprint(auth_bp)
    app.register_blueprint(two_factor_bp, url_prefix="/account/two-factor")
    app.register_blueprint(sso_bp, url_prefix="/sso")
    app.register_blueprint(links_bp)  # its own addresses: /password/…, /invitation/…
    app.register_blueprint(health_bp)
    app.register_blueprint(language_bp)


def register_api(app: Flask) -> None:
    """The JSON API at /api/v1. Before the error handlers: flask-smorest sets an app-wide
    handler for HTTP errors that the app's own (pages, and problems under /api/) replaces."""
    from tracker.api import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    from tracker.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from tracker.i18n import register_template_helpers

    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    from tracker.backup import backup_command, restore_command
    from tracker.outbox.cli import mail_cli
    from tracker.reminders.cli import reminders_cli
    from tracker.seed.cli import seed_cli
    from tracker.users.cli import users_cli

    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
