"""The application factory: settings, database, Stripe client, blueprints, errors."""

import sys

import stripe
from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import api
import apidoc
import catalog
import cli
import emulation
import errors
import invoicing
import logs
import migrate
import pages
import reconcile
import security
import settings
import store
import webhook

MAX_BODY = 1024 * 1024


def app_or_exit():
    """create_app() for the entry points (server.py, gunicorn's master): a bad setting, an
    unreachable database or an unreachable Stripe ends the process with one line naming
    what failed (never a password), not a traceback."""
    try:
        return create_app()
    except settings.ConfigError as error:
        sys.exit(f"Configuration error: {error}")
    except migrate.DatabaseUnreachableError as error:
        sys.exit(str(error))
    except stripe.StripeError as error:
        sys.exit(f"Could not prepare Stripe at start-up: {errors.stripe_message(error)}")


def create_app(config=None):
    """Build the app; `config` (a mapping) overrides the environment, as tests do."""
    app = Flask(__name__, instance_relative_config=True)
    load_dotenv()
    app.config.from_mapping(settings.from_environ())
    if config:
        app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.config["MODE"] = settings.mode_of(app.config["STRIPE_SECRET_KEY"])
    port = cli.flask_run_port()
    if port and not app.config["DOMAIN_SET"]:
        # `flask run --port N`: the emulator's webhooks go where this server listens.
        app.config["DOMAIN"] = f"http://localhost:{port}"

    logs.init_app(app)
    store.init_app(app)
    migrate.init_app(app)

    http_client = app.config.get("STRIPE_HTTP_CLIENT")
    if app.config["MODE"] == "emulator":
        if not (app.config["STRIPE_WEBHOOK_SECRETS"] and app.config["STRIPE_API_BASE"]):
            ready = emulation.prepare(app.config, app.extensions["db"], http_client)
            app.config.update(STRIPE_API_BASE=ready["STRIPE_API_BASE"])
            # Secrets set by hand are kept; the emulator's own endpoint signs with its own.
            given = app.config["STRIPE_WEBHOOK_SECRETS"]
            added = [s for s in ready["STRIPE_WEBHOOK_SECRETS"] if s not in given]
            app.config.update(STRIPE_WEBHOOK_SECRETS=[*given, *added])
        api_key = settings.EMULATOR_KEY
    else:
        api_key = app.config["STRIPE_SECRET_KEY"]
    app.extensions["stripe"] = invoicing.make_client(
        api_key, app.config["STRIPE_API_BASE"], http_client
    )
    app.extensions["catalog"] = catalog.Catalog()

    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind N proxies: the client's address, scheme and host come from their headers.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(apidoc.bp)
    cli.init_app(app)
    if port:
        reconcile.start(app)
    return app
