"""A test clock from end to end: an invoice the server sent to a customer living on a clock,
moved a year ahead by advancing the clock, as Stripe (the emulator) then reports it and as the
server's receivables age it at the clock's time.

The server has no option to make its customers on a clock: the test makes the Stripe customer
on one and maps the email to it in the local record, as the server's own first send would."""

import time

from tests.helpers import sdk_client, wait_for

DAY = 86400
EMAIL = "clocked@example.com"


def clocked_customer(api, client):
    """A test clock at the current time, and a Stripe customer on it that the server's record
    maps `EMAIL` to."""
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": int(time.time())})
    customer = client.v1.customers.create({"email": EMAIL, "test_clock": clock.id})
    with api.live.app.extensions["db"].begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO customers (email, stripe_id, name, created) VALUES (?, ?, ?, ?)",
            (EMAIL, customer.id, None, int(time.time())),
        )
    return clock, customer


def test_a_year_on_a_test_clock_leaves_the_servers_invoice_overdue_at_stripe(sqlite_api, emulator):
    client = sdk_client(emulator)
    emulator.set_automations(True)
    clock, customer = clocked_customer(sqlite_api, client)
    answer = sqlite_api.send(EMAIL, days_until_due=30)
    assert answer.status_code == 201, answer.text
    sent = answer.json()
    assert sent["due_date"] == clock.frozen_time + 30 * DAY
    assert client.v1.invoices.retrieve(sent["id"]).customer == customer.id

    a_year_on = clock.frozen_time + 365 * DAY
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": a_year_on})
    wait_for(lambda: client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready")

    # What Stripe reports: still open, its due date long passed at the clock's time, and the
    # account's Automations said so, at the clock's time.
    at_stripe = client.v1.invoices.retrieve(sent["id"])
    assert at_stripe.status == "open" and at_stripe.due_date < a_year_on
    overdue = client.v1.events.list({"type": "invoice.overdue"}).data
    assert [e.data.object.id for e in overdue] == [sent["id"]]
    assert overdue[0].created == sent["due_date"] + DAY
    assert client.v1.events.list({"type": "invoice.will_be_due"}).data[0].created == (
        sent["due_date"] - 7 * DAY
    )
    # The server does not subscribe to those (emulator_mode.ENABLED_EVENTS): its record keeps
    # the invoice open with the same due date, from which it ages it.
    emulator.deliverer.wait_idle(timeout=15)
    shown = sqlite_api.invoice(sent["id"])
    assert shown["status"] == "open" and shown["due_date"] == sent["due_date"]
    # The server ages the invoice from its own record's due date at the moment asked: at the
    # clock's time it is over 90 days overdue; at the wall clock's, not yet due.
    aged = sqlite_api.get("/receivables", params={"as_of": a_year_on}).json()["data"]
    assert aged[0]["overdue_over_90"] == sent["amount_remaining"]
    now = sqlite_api.get("/receivables").json()["data"]
    assert now[0]["current"] == sent["amount_remaining"]
