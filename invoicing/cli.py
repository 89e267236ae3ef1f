"""The `flask --app server ...` commands: the database, the sample catalog, recovery, and exports.

    flask --app server db upgrade       (also done at start; init-db is the same)
    flask --app server seed-catalog
    flask --app server events replay EVT_ID
    flask --app server sync INVOICE_ID | --all
    flask --app server reconcile
    flask --app server remind --days-overdue N [--as-of T] [--dry-run]
    flask --app server export invoices|credit-notes [--from T] [--to T] [--format csv|xero]

Recovery only moves the local record forward (see record/invoices.py), so running it twice is safe.
"""

import contextlib
import json
import sys
import time

import click
import stripe
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import DBAPIError

from invoicing import (
    events,
    exports,
    invoice_actions,
    receivables,
    reconcile,
    stripe_catalog,
)
from invoicing.errors import StateConflictError, stripe_message
from invoicing.record import database, event_log, invoices, migrate

db_cli = AppGroup("db", help="The database schema (migrations).")


@db_cli.command("upgrade")
def upgrade_db():
    """Upgrade the schema to the newest revision (safe to run again)."""
    engine = current_app.extensions["db"]
    before = migrate.upgrade(engine)
    now = migrate.current(engine)
    moved = f"from {before or 'nothing'} " if before != now else "already "
    click.echo(f"Database schema {moved}at revision {now}.")


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the tables (the same as `db upgrade`)."""
    migrate.upgrade(current_app.extensions["db"])
    click.echo("Database ready.")


@click.command("seed-catalog")
@with_appcontext
def seed_catalog():
    """Create the sample products and prices in a test-mode account (by lookup_key)."""
    if current_app.config["MODE"] == "live":
        raise click.ClickException("Refusing to create sample products with a live key.")
    try:
        stripe_catalog.seed_catalog(current_app.extensions["stripe"])
    except stripe.StripeError as error:
        raise click.ClickException(stripe_message(error)) from None
    click.echo("Sample catalog ready.")


events_cli = AppGroup("events", help="Stored Stripe events.")


@events_cli.command("replay")
@click.argument("event_id")
def replay_event(event_id):
    """Apply a stored event's effect again."""
    with database.begin() as db:
        row = event_log.get_event(db, event_id)
        if row is None:
            raise click.ClickException(f"No stored event {event_id}.")
        event = json.loads(row.payload)
        changed = events.apply_effect(db, event, row.invoice_id)
    outcome = "applied" if changed else "unchanged"
    click.echo(f"{event_id} {event['type']} invoice={row.invoice_id}: {outcome}")


@click.command("sync")
@with_appcontext
@click.argument("invoice_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Every local invoice not yet final.")
def sync_invoices(invoice_id, everything):
    """Refresh invoices from Stripe, after missed webhooks."""
    if bool(invoice_id) == everything:
        raise click.UsageError("Give one INVOICE_ID, or --all.")
    with database.connect() as db:
        ids = [invoice_id] if invoice_id else invoices.unfinished_invoice_ids(db)
        known = {one for one in ids if invoices.get_invoice(db, one) is not None}
    failed = 0
    for one in ids:
        if one not in known:
            click.echo(f"{one}: not a local invoice, skipped", err=True)
            failed += 1
            continue
        try:
            status, changed = reconcile.refresh_invoice(one)
        except stripe.StripeError as error:
            click.echo(f"{one}: {stripe_message(error)}", err=True)
            failed += 1
            continue
        click.echo(f"{one}: {status} ({'updated' if changed else 'already current'})")
    if failed:
        sys.exit(1)


@click.command("reconcile")
@with_appcontext
def reconcile_record():
    """Bring the local record up to Stripe's: missed events, stale invoices, dead sends."""
    show = sys.stderr.isatty()

    def progress(count):
        if show and count % 100 == 0:
            click.echo(f"\r{count} ...", nl=False, err=True)

    try:
        summary = reconcile.run(progress)
    except stripe.StripeError as error:
        raise click.ClickException(
            f"{stripe_message(error)} Nothing was lost; run it again."
        ) from None
    if show:
        click.echo("\r", nl=False, err=True)
    click.echo(summary.line())


@click.command("remind")
@with_appcontext
@click.option(
    "--days-overdue",
    type=click.IntRange(0, 3650),
    required=True,
    help="Remind invoices at least this many days past due, not reminded for as long.",
)
@click.option(
    "--as-of",
    type=click.IntRange(0, 10**12),
    default=None,
    help="Count days past due at this Unix time (default now).",
)
@click.option("--dry-run", is_flag=True, help="List what would be reminded; send nothing.")
def remind_overdue(days_overdue, as_of, dry_run):
    """Have Stripe send every overdue invoice again (for a daily cron job; safe to run twice)."""
    now = int(time.time())
    as_of = now if as_of is None else as_of
    with database.connect() as db:
        chosen = receivables.due_for_reminder(db, days_overdue, as_of, now)
    reminded = failed = 0
    for invoice in chosen:
        late = receivables.days_past_due(invoice.due_date, as_of)
        if dry_run:
            click.echo(f"{invoice.id} {invoice.email} {late} days overdue: would remind")
            continue
        try:
            invoice_actions.remind(invoice)
        except (stripe.StripeError, StateConflictError) as error:
            failed += 1
            message = stripe_message(error) if isinstance(error, stripe.StripeError) else error
            click.echo(f"{invoice.id}: not reminded: {message}", err=True)
            continue
        reminded += 1
        click.echo(f"{invoice.id} {invoice.email} {late} days overdue: reminded")
    verb = "would remind" if dry_run else "reminded"
    count = len(chosen) if dry_run else reminded
    click.echo(f"{verb} {count} of {len(chosen)} invoices due a reminder ({failed} failed)")
    if failed:
        sys.exit(1)


_MOMENT = click.IntRange(0, 10**12 - 1)


@click.command("export")
@with_appcontext
@click.argument("kind", type=click.Choice(exports.KINDS))
@click.option(
    "--from",
    "start",
    type=_MOMENT,
    help="Invoices finalized (credit notes created) at or after this Unix time.",
)
@click.option("--to", "end", type=_MOMENT, help="... and before this Unix time.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(exports.FORMATS),
    default="csv",
    show_default=True,
    help="csv: the plain columns; xero: Xero's import template.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="The file to write (default: standard output).",
)
@click.option(
    "--xero-account-code",
    default=exports.xero.ACCOUNT_CODE,
    show_default=True,
    help="Xero's AccountCode for every line (--format xero).",
)
@click.option(
    "--xero-tax-type",
    default=exports.xero.TAX_TYPE,
    show_default=True,
    help="Xero's TaxType for every line, as your Xero names the rate (--format xero).",
)
def export_records(kind, start, end, fmt, output, xero_account_code, xero_tax_type):
    """Write invoices or credit notes as CSV, one row per line item (docs/exports.md); a
    progress bar on a terminal's stderr."""
    if start is not None and end is not None and end < start:
        raise click.BadParameter("must not be before --from.", param_hint="--to")
    engine = current_app.extensions["db"]
    options = {"account_code": xero_account_code, "tax_type": xero_tax_type}
    try:
        # A file is written whole or not at all (a temporary file, renamed at the end).
        with (
            click.open_file(output, "wb", atomic=output != "-") as out,
            _progress(engine, kind, fmt, start, end) as advance,
        ):
            for piece in exports.chunks(
                engine, kind, fmt, start, end, xero_options=options, on_batch=advance
            ):
                out.write(piece.encode("utf-8"))
    except DBAPIError as error:
        reason = str(error.orig).splitlines()[0] if str(error.orig) else type(error.orig).__name__
        raise click.ClickException(f"The database could not be read: {reason}") from None


@contextlib.contextmanager
def _progress(engine, kind, fmt, start, end):
    """A function to call with each batch's size: a progress bar's on a terminal, else one
    that does nothing (a pipe or a log gets only the export)."""
    if not sys.stderr.isatty():
        yield lambda _count: None
        return
    total = exports.count(engine, kind, fmt, start, end)
    with click.progressbar(length=total, label=f"Exporting {kind}", file=sys.stderr) as bar:
        yield bar.update


def serving():
    """True when the app is made to serve requests (gunicorn, `python server.py`, `flask run`,
    tests), False when a `flask` command other than `run` makes it."""
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def flask_run_port():
    """The port `flask run` was asked to serve on, when the app is being made by it."""
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return None
    return context.params.get("port")


def init_app(app):
    """Add the commands to `flask`."""
    for command in (
        db_cli,
        init_db,
        seed_catalog,
        events_cli,
        sync_invoices,
        reconcile_record,
        remind_overdue,
        export_records,
    ):
        app.cli.add_command(command)
