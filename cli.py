"""Recovery commands: replay a stored event, and sync invoices from Stripe.

    flask --app server events replay EVT_ID
    flask --app server sync INVOICE_ID | --all

Both only move the local record forward (see store.py), so running them twice is safe.
"""

import json

import click
import stripe
from flask import current_app
from flask.cli import AppGroup, with_appcontext

import invoicing
import store
import webhook

events_cli = AppGroup("events", help="Stored Stripe events.")


def _session():
    return store.Session(current_app.extensions["db"], expire_on_commit=False)


@events_cli.command("replay")
@click.argument("event_id")
def replay_event(event_id):
    """Apply a stored event's effect again."""
    with _session() as session:
        row = session.get(store.Event, event_id)
        if row is None:
            raise click.ClickException(f"No stored event {event_id}.")
        event = json.loads(row.payload)
        changed = webhook.apply_effect(session, event, row.invoice_id)
        session.commit()
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
    with _session() as session:
        ids = [invoice_id] if invoice_id else store.unfinished_invoice_ids(session)
        for one in ids:
            if store.get_invoice(session, one) is None:
                click.echo(f"{one}: not a local invoice, skipped")
                continue
            try:
                found = invoicing.client().v1.invoices.retrieve(one).to_dict()
            except stripe.StripeError as error:
                click.echo(f"{one}: Stripe said {error.user_message or error}", err=True)
                continue
            changes = invoicing.changes_of(invoicing.snapshot_fields(found))
            changed = store.advance_status(session, one, found["status"], changes)
            session.commit()
            click.echo(f"{one}: {found['status']} ({'updated' if changed else 'already current'})")


def init_app(app):
    """Add the commands to `flask`."""
    app.cli.add_command(events_cli)
    app.cli.add_command(sync_invoices)
