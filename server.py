"""The invoicing server's entry: `app` for `flask --app server`, gunicorn and `python server.py`."""

import sys

import stripe

import reconcile
from factory import create_app
from settings import ConfigError

__all__ = ["app", "create_app"]

try:
    app = create_app()
except ConfigError as error:
    # One clear line instead of a traceback.
    sys.exit(f"Configuration error: {error}")
except stripe.StripeError as error:
    sys.exit(f"Could not prepare Stripe at start-up: {error.user_message or error}")


if __name__ == "__main__":
    reconcile.start(app)
    app.run(port=app.config["PORT"])
