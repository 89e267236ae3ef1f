"""Test clocks from end to end, with the server making its customers on one
(STRIPE_TEST_CLOCK): an invoice moved a year ahead by advancing the clock, as Stripe (the
emulator) then reports it and as the server's receivables age it at the clock's time; and a
clock started in the past, whose invoices are overdue now for the server's own aging and
reminders."""

import time

from tests.helpers import sdk_client, served, wait_for

DAY = 86400
EMAIL = "clocked@example.com"


def _advanced(client, clock, moment):
    client.v1.test_helpers.test_clocks.advance(clock.id, {"frozen_time": moment})
    wait_for(lambda: client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready")


def test_a_year_on_a_test_clock_leaves_the_servers_invoice_overdue_at_stripe(emulator, sqlite_url):
    client = sdk_client(emulator)
    emulator.set_automations(True)
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": int(time.time())})
    with served(emulator, sqlite_url, STRIPE_TEST_CLOCK=clock.id) as api:
        answer = api.send(EMAIL, days_until_due=30)
        assert answer.status_code == 201, answer.text
        sent = answer.json()
        assert sent["due_date"] == clock.frozen_time + 30 * DAY
        assert client.v1.customers.retrieve(sent["customer"]).test_clock == clock.id

        a_year_on = clock.frozen_time + 365 * DAY
        _advanced(client, clock, a_year_on)
        # What Stripe reports: still open, its due date long passed at the clock's time, and
        # the account's Automations said so, at the clock's time.
        at_stripe = client.v1.invoices.retrieve(sent["id"])
        assert at_stripe.status == "open" and at_stripe.due_date < a_year_on
        overdue = client.v1.events.list({"type": "invoice.overdue"}).data
        assert [e.data.object.id for e in overdue] == [sent["id"]]
        assert overdue[0].created == sent["due_date"] + DAY
        assert client.v1.events.list({"type": "invoice.will_be_due"}).data[0].created == (
            sent["due_date"] - 7 * DAY
        )
        emulator.deliverer.wait_idle(timeout=15)
        shown = api.invoice(sent["id"])
        assert shown["status"] == "open" and shown["due_date"] == sent["due_date"]
        # The server ages the invoice from its record's due date at the moment asked: at the
        # clock's time it is over 90 days overdue; at the wall clock's, not yet due.
        aged = api.get("/receivables", params={"as_of": a_year_on}).json()["data"]
        assert aged[0]["overdue_over_90"] == sent["amount_remaining"]
        assert api.get("/receivables").json()["data"][0]["current"] == sent["amount_remaining"]
        # Paid at the clock's time, a year ahead: reconciliation sees that event, but keeps its
        # cursor at now (there, it would pass over every real event until then).
        client.v1.invoices.pay(sent["id"], {"paid_out_of_band": True})
        before = int(time.time())
        result = api.live.app.test_cli_runner().invoke(args=["reconcile"])
        assert result.exit_code == 0, result.output
        with api.live.app.extensions["db"].connect() as connection:
            cursor = connection.exec_driver_sql(
                "SELECT value FROM settings WHERE key = 'reconcile.events_since'"
            ).scalar()
        assert before - 5 <= int(cursor) <= time.time()


def test_a_clock_started_in_the_past_makes_invoices_overdue_now(emulator, sqlite_url):
    client = sdk_client(emulator)
    start = int(time.time()) - 120 * DAY
    clock = client.v1.test_helpers.test_clocks.create({"frozen_time": start})
    with served(emulator, sqlite_url, STRIPE_TEST_CLOCK=clock.id) as api:
        sent = api.send(EMAIL, days_until_due=30).json()
        assert sent["due_date"] == start + 30 * DAY
        # Due about 90 days ago by the wall clock: the server's own aging and reminders see it.
        shown = api.invoice(sent["id"])
        assert shown["overdue"] and shown["days_overdue"] >= 90
        (aged,) = api.get("/receivables").json()["data"]
        assert aged["overdue_61_90"] + aged["overdue_over_90"] == sent["amount_remaining"]
        overdue = api.get("/invoices", params={"status": "overdue"}).json()["data"]
        assert [i["id"] for i in overdue] == [sent["id"]]
        reminded = api.post(f"/invoices/{sent['id']}/remind")
        assert reminded.status_code == 200 and reminded.json()["reminder_count"] == 1
        # Stripe's side catches up when the clock is brought to now: paid at the clock's time.
        _advanced(client, clock, int(time.time()))
        assert client.v1.invoices.retrieve(sent["id"]).status == "open"
