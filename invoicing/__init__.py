"""The invoicing server: `create_app()` wires the configuration, the database, the Stripe
client, the blueprints and the error handlers; sub-packages hold the local record (record/),
sending an invoice (sending/) and the web layer (web/)."""

import os
import sys

import stripe
from flask import Flask

import webhook
from invoicing import cli, config, emulator_mode, ownership, reconciler, stripe_calls
from invoicing.catalog import Catalog
from invoicing.errors import ConfigError, DatabaseUnreachableError, stripe_message
from invoicing.record import database, migrate
from invoicing.web import (
    account,
    apidoc,
    credit_notes,
    customers,
    errors,
    guards,
    health,
    invoices,
    json_answers,
    logs,
    pages,
    pay,
    receivables,
)
from invoicing.web import (
    exports as export_routes,
)

# The repository: templates/ and static/ are there, beside the package.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_BODY = 1024 * 1024
BLUEPRINTS = (
    account, invoices, credit_notes, customers, receivables, export_routes, pay, health, webhook,
    pages, apidoc,
)  # fmt: skip


def app_or_exit():
    """create_app() for the entry points (server.py, gunicorn's master): a bad setting, an
    unreachable database or an unreachable Stripe ends the process with one line naming
    what failed (never a password), not a traceback."""
    try:
        return create_app()
    except ConfigError as error:
        sys.exit(f"Configuration error: {error}")
    except DatabaseUnreachableError as error:
        sys.exit(str(error))
    except stripe.StripeError as error:
        sys.exit(f"Could not prepare Stripe at start-up: {stripe_message(error)}")


def create_app(test_config=None):
    """Build the app; `test_config` (a mapping) overrides the environment, as tests do."""
    app = Flask(__name__, root_path=ROOT, instance_relative_config=True)
    app.json = json_answers.AnswerJSON(app)
    config.load_env()
    app.config.from_mapping(config.from_environ())
    if test_config:
        app.config.update(test_config)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.config["MODE"] = config.mode_of(app.config["STRIPE_SECRET_KEY"])

    logs.init_app(app)
    database.init_app(app)
    migrate.init_app(app)
    api_key = emulator_mode.init_app(app)
    app.extensions["stripe"] = stripe_calls.make_client(
        api_key, app.config["STRIPE_API_BASE"], app.config.get("STRIPE_HTTP_CLIENT")
    )
    app.extensions["catalog"] = Catalog()
    ownership.check(app)

    errors.init_app(app)
    guards.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint.bp)
    cli.init_app(app)
    if cli.serving():
        for warning in config.warnings_of(app.config):
            app.logger.warning(warning)
    reconciler.init_app(app)
    return app
