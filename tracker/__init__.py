"""tracker: the web application that runs *Program for toppledergrupper*."""
import os

from flask import Flask

from config import Config, ProductionConfig, config_from_environment


def create_app(config_class: type[Config] | None = None) -> Flask:
    config_class = config_class or config_from_environment()
    if issubclass(config_class, ProductionConfig):
        config_class.check()

    app = Flask(
        __name__,
        template_folder=os.path.join(os.path.dirname(__file__), "..", "templates"),
        static_folder=os.path.join(os.path.dirname(__file__), "..", "static"),
    )
    app.config.from_object(config_class)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            "sqlite:///" + os.path.join(app.instance_path, "tracker.sqlite")
        )

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from tracker import models  # noqa: F401  (every table known to Alembic)
    from tracker.extensions import babel, csrf, db, migrate
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
    from tracker.db_types import enable_sqlite_foreign_keys

    enable_sqlite_foreign_keys()


def register_blueprints(app: Flask) -> None:
    from tracker.cohorts.routes import bp as cohorts_bp
    from tracker.health import bp as health_bp
    from tracker.language import bp as language_bp
    from tracker.organisations.routes import bp as organisations_bp
    from tracker.programmes.routes import bp as programmes_bp

    app.register_blueprint(programmes_bp)
    app.register_blueprint(cohorts_bp, url_prefix="/cohorts")
    app.register_blueprint(organisations_bp, url_prefix="/organisations")
    app.register_blueprint(health_bp)
    app.register_blueprint(language_bp)


def register_errorhandlers(app: Flask) -> None:
    from tracker.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from tracker.i18n import register_template_helpers

    register_template_helpers(app)


def register_cli(app: Flask) -> None:
    from tracker.seed.cli import seed_cli

    app.cli.add_command(seed_cli)
