"""The application factory: settings, database, Stripe client, blueprints, errors."""

import click
from dotenv import load_dotenv
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.middleware.proxy_fix import ProxyFix

import api
import apidoc
import auth
import cli
import emulation
import errors
import invoicing
import logs
import pages
import settings
import store
import webhook

MAX_BODY = 1024 * 1024


def create_app(config=None):
    """Build the app; `config` (a mapping) overrides the environment, as tests do."""
    app = Flask(__name__, instance_relative_config=True)
    load_dotenv()
    app.config.from_mapping(settings.from_environ())
    if config:
        app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.config["MODE"] = settings.mode_of(app.config["STRIPE_SECRET_KEY"])

    http_client = app.config.get("STRIPE_HTTP_CLIENT")
    if app.config["MODE"] == "emulator":
        if not app.config["STRIPE_WEBHOOK_SECRETS"]:
            app.config.update(emulation.prepare(app.config, http_client))
        api_key = settings.EMULATOR_KEY
    else:
        api_key = app.config["STRIPE_SECRET_KEY"]
    app.extensions["stripe"] = invoicing.make_client(
        api_key, app.config["STRIPE_API_BASE"], http_client
    )
    app.extensions["catalog"] = invoicing.Catalog()

    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind N proxies: the client's address, scheme and host come from their headers.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    logs.init_app(app)
    store.init_app(app)
    errors.init_app(app)
    auth.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(webhook.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(apidoc.bp)
    app.cli.add_command(seed_catalog_command)
    cli.init_app(app)
    return app


@click.command("seed-catalog")
@with_appcontext
def seed_catalog_command():
    """Create the sample products and prices in a test-mode account (by lookup_key)."""
    if current_app.config["MODE"] == "live":
        raise click.ClickException("Refusing to create sample products with a live key.")
    invoicing.seed_catalog(current_app.extensions["stripe"])
    click.echo("Sample catalog ready.")
