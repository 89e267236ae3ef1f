"""The invoicing server's entry: `app` for `flask --app server`, gunicorn and `python server.py`."""

from invoicing import app_or_exit, create_app, reconciler

__all__ = ["app", "create_app"]

# A bad setting, or a database or Stripe out of reach, ends here with one line.
app = app_or_exit()


if __name__ == "__main__":
    reconciler.start(app)
    app.run(port=app.config["PORT"])
