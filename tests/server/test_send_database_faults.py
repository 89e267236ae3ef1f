"""Crash-safe sends when the database fails around Stripe's calls: a failure after the send is
settled from Stripe, a sent invoice the database cannot record is never sent again, and a
failure before the send frees the client's Idempotency-Key."""

import contextlib
import time

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from invoicing.record import tables
from tests.helpers import reconcile, rows


@contextlib.contextmanager
def refusing(api, statement_start, times=1):
    """The database refuses statements that begin so (as a full disk or a lost connection
    would), `times` times, at the driver's door; yields the count refused so far."""
    engine = api.live.app.extensions["db"]
    refused = [0]

    def refuse(_connection, _cursor, statement, parameters, _context, _many):
        if statement.startswith(statement_start) and refused[0] < times:
            refused[0] += 1
            raise OperationalError(statement, parameters, Exception("disk I/O error"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield refused
    finally:
        event.remove(engine, "before_cursor_execute", refuse)


# The statement that marks a send done (sends.touch_send with a state).
MARK_DONE = "UPDATE sends SET state="


def test_a_database_failure_after_the_send_is_settled_from_stripe(hook, client):
    hook.prices()
    with refusing(hook, MARK_DONE, times=1) as refused:
        answer = hook.send("finish@example.com", headers={"Idempotency-Key": "finish-1"})
    assert refused == [1]
    # Read back from Stripe once the database answered again: sent, so recorded and a 201.
    assert answer.status_code == 201, answer.text
    assert [i.status for i in client.v1.invoices.list().data] == ["open"]
    assert rows(hook, "SELECT state FROM sends") == [("done",)]
    assert rows(hook, "SELECT status FROM invoices") == [("open",)]
    replayed = hook.send("finish@example.com", headers={"Idempotency-Key": "finish-1"})
    assert replayed.status_code == 201 and replayed.json()["id"] == answer.json()["id"]


def test_a_sent_invoice_the_database_cannot_record_is_not_an_invitation_to_resend(hook, client):
    hook.prices()
    with refusing(hook, MARK_DONE, times=10):
        answer = hook.send("unrecorded@example.com", headers={"Idempotency-Key": "unrecorded-1"})
    (sent,) = client.v1.invoices.list().data
    assert sent.status == "open"
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["code"] == "send_not_recorded" and sent.id in error["message"]
    # The same key meanwhile is not a second invoice; once the send is abandoned,
    # reconciliation records it and the key replays it.
    again = hook.send("unrecorded@example.com", headers={"Idempotency-Key": "unrecorded-1"})
    assert again.status_code == 409 and len(client.v1.invoices.list().data) == 1
    with hook.live.app.extensions["db"].begin() as connection:
        connection.execute(tables.sends.update().values(touched=int(time.time()) - 3600))
    assert "1 sends repaired (1 finished" in reconcile(hook)
    replayed = hook.send("unrecorded@example.com", headers={"Idempotency-Key": "unrecorded-1"})
    assert replayed.status_code == 201 and replayed.json()["id"] == sent.id


def test_a_database_failure_before_the_send_frees_the_clients_key(hook, client):
    hook.prices()
    with refusing(hook, "INSERT INTO sends") as refused:
        failed = hook.send("early@example.com", headers={"Idempotency-Key": "early-1"})
    assert refused == [1]
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "database_unavailable"
    # The error says to try again: the retry runs at once, and nothing was made twice.
    retried = hook.send("early@example.com", headers={"Idempotency-Key": "early-1"})
    assert retried.status_code == 201, retried.text
    assert [i.status for i in client.v1.invoices.list().data] == ["open"]
