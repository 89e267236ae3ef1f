"""exports/ and web/exports.py over HTTP: the invoice and credit note CSVs (their columns and
values, the from/to bounds, currencies without decimals, formulas defused), the guard, bad
parameters, and streaming in constant memory by keyset batches."""

import csv
import io
import logging
import sqlite3
import time
import tracemalloc

import pytest
import requests
from sqlalchemy import event, insert
from sqlalchemy.exc import OperationalError

from invoicing.exports import reading
from invoicing.record.tables import credit_notes, invoices
from tests.helpers import served

INVOICE_HEADER = [
    "number", "id", "status", "customer_email", "customer_name", "currency", "finalized_at",
    "due_date", "line_price", "line_description", "quantity", "unit_amount", "line_amount",
    "invoice_total", "amount_paid", "amount_remaining", "amount_credited", "amount_refunded",
    "paid_outside_stripe",
]  # fmt: skip
CREDIT_NOTE_HEADER = [
    "number", "id", "invoice_id", "invoice_number", "status", "type", "reason", "currency",
    "created", "voided_at", "customer_email", "customer_name", "line_description", "quantity",
    "line_amount", "credit_note_amount", "pre_payment_amount", "post_payment_amount",
    "refund_amount", "credit_amount", "out_of_band_amount", "memo",
]  # fmt: skip
T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def iso(moment):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def table(answer):
    """The CSV answer as a list of dicts, after checking how it was sent."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    assert answer.text.endswith("\r\n")  # RFC 4180 line ends
    return list(csv.DictReader(io.StringIO(answer.text, newline="")))


def invoice_row(i, **values):
    """An invoice row for the record, as SQL puts it there: finalized at T0 + i."""
    row = {
        "id": f"in_sql{i:07d}", "number": f"SQL-{i:07d}", "status": "open", "status_rank": 1,
        "customer": "cus_sql", "email": f"c{i}@example.com", "customer_name": None,
        "amount_due": 1234, "amount_paid": 0, "amount_remaining": 1234, "total": 1234,
        "currency": "usd", "due_date": T0 + i + 86400, "finalized_at": T0 + i,
        "lines": [{"price": "price_sql", "description": "Widget", "quantity": 2, "amount": 1234}],
        "created": T0 + i, "updated": T0 + i, "recorded": 0, "changed": 0,
    }  # fmt: skip
    return {**row, **values}


def credit_note_row(i, invoice_id, **values):
    """A credit note row for the record, created at T0 + i."""
    row = {
        "id": f"cn_sql{i:07d}", "invoice_id": invoice_id, "number": f"CN-{i:07d}",
        "status": "issued", "type": "pre_payment", "currency": "usd", "amount": 1234,
        "pre_payment_amount": 1234, "post_payment_amount": 0, "refund_amount": 0,
        "credit_amount": 0, "out_of_band_amount": 0, "reason": None, "memo": None,
        "lines": [{"description": "Widget", "quantity": 1, "amount": 1234}],
        "created": T0 + i,
    }  # fmt: skip
    return {**row, **values}


def insert_rows(api, rows_table, rows):
    with api.live.app.extensions["db"].begin() as db:
        db.execute(insert(rows_table), rows)


def test_an_invoice_is_a_row_per_line_with_the_documented_columns(api):
    prices = api.prices()
    items = [
        {"price": prices["gold_special"]["id"], "quantity": 2},
        {"price": prices["consulting_hour"]["id"], "quantity": 1},
    ]
    sent = api.send("rows@example.com", items=items, name="Jo Rows").json()
    assert api.post(f"/invoices/{sent['id']}/credit-notes", {"amount": 500}).status_code == 201
    insert_rows(api, invoices, [invoice_row(1, status="draft", status_rank=0, finalized_at=None)])

    rows = table(api.get("/exports/invoices.csv"))
    assert list(rows[0]) == INVOICE_HEADER
    assert len(rows) == 2  # the draft is left out
    shown = api.invoice(sent["id"])
    common = {
        "number": shown["number"], "id": sent["id"], "status": "open",
        "customer_email": "rows@example.com", "customer_name": "Jo Rows", "currency": "USD",
        "due_date": iso(shown["due_date"]), "invoice_total": "170.00", "amount_paid": "0.00",
        "amount_remaining": "165.00", "amount_credited": "5.00", "amount_refunded": "0.00",
        "paid_outside_stripe": "0.00",
    }  # fmt: skip
    gold = {"line_price": items[0]["price"], "line_description": "Gold Special",
            "quantity": "2", "unit_amount": "10.00", "line_amount": "20.00"}  # fmt: skip
    hour = {"line_price": items[1]["price"], "line_description": "Consulting hour",
            "quantity": "1", "unit_amount": "150.00", "line_amount": "150.00"}  # fmt: skip
    assert [{**common, **gold}, {**common, **hour}] == [
        {k: row[k] for k in INVOICE_HEADER if k != "finalized_at"} for row in rows
    ]
    finalized = rows[0]["finalized_at"]
    assert (
        finalized.endswith("Z")
        and abs(
            time.mktime(time.strptime(finalized, "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(time.gmtime())
        )
        < 120
    )


def test_a_credit_note_is_a_row_per_line_with_its_invoice(api):
    sent = api.send("credits@example.com", name="Cred Itor").json()
    path = f"/invoices/{sent['id']}/credit-notes"
    by_amount = api.post(path, {"amount": 500, "reason": "order_change", "memo": "Late"}).json()
    line = api.invoice(sent["id"])["lines"][0]["line"]
    by_line = api.post(path, {"lines": [{"line": line, "quantity": 1}]})
    assert by_line.status_code == 201, by_line.text
    by_line = by_line.json()
    assert api.post(f"/credit-notes/{by_amount['id']}/void").status_code == 200

    rows = table(api.get("/exports/credit-notes.csv"))
    assert list(rows[0]) == CREDIT_NOTE_HEADER
    # In the order they were made; in one second, in the order of their ids.
    made = sorted([by_amount, by_line], key=lambda note: (note["created"], note["id"]))
    assert [row["id"] for row in rows] == [note["id"] for note in made]
    first, last = (next(row for row in rows if row["id"] == n["id"]) for n in (by_amount, by_line))
    number = api.invoice(sent["id"])["number"]
    assert first == {
        "number": by_amount["number"], "id": by_amount["id"], "invoice_id": sent["id"],
        "invoice_number": number, "status": "void", "type": "pre_payment",
        "reason": "order_change", "currency": "USD", "created": iso(by_amount["created"]),
        "voided_at": first["voided_at"], "customer_email": "credits@example.com",
        "customer_name": "Cred Itor", "line_description": by_amount["lines"][0]["description"]
        if by_amount["lines"] else "", "quantity": first["quantity"],
        "line_amount": "5.00" if by_amount["lines"] else "", "credit_note_amount": "5.00",
        "pre_payment_amount": "5.00", "post_payment_amount": "0.00", "refund_amount": "0.00",
        "credit_amount": "0.00", "out_of_band_amount": "0.00", "memo": "Late",
    }  # fmt: skip
    assert first["voided_at"].endswith("Z")
    assert (last["id"], last["status"], last["quantity"]) == (by_line["id"], "issued", "1")
    assert (last["line_amount"], last["credit_note_amount"]) == ("10.00", "10.00")
    assert last["line_description"] == by_line["lines"][0]["description"]


def test_from_is_inclusive_and_to_exclusive(api, monkeypatch):
    # Batches of 2 over rows sharing their moment: the keyset goes on by id, none twice.
    monkeypatch.setattr(reading, "BATCH", 2)
    moments = {0: 0, 1: 100, 2: 100, 3: 100, 4: 200, 5: 300}
    insert_rows(api, invoices, [invoice_row(i, finalized_at=T0 + m) for i, m in moments.items()])
    insert_rows(
        api, credit_notes, [credit_note_row(i, "in_sql0000000", created=T0 + m)
                            for i, m in moments.items()],
    )  # fmt: skip

    def ids(path, **bounds):
        return [row["id"][-1] for row in table(api.get(path, params=bounds))]

    for path in ("/exports/invoices.csv", "/exports/credit-notes.csv"):
        assert ids(path) == ["0", "1", "2", "3", "4", "5"]
        assert ids(path, **{"from": T0 + 100}) == ["1", "2", "3", "4", "5"]
        assert ids(path, to=T0 + 200) == ["0", "1", "2", "3"]
        assert ids(path, **{"from": T0 + 100, "to": T0 + 300}) == ["1", "2", "3", "4"]
        assert ids(path, **{"from": T0 + 100, "to": T0 + 100}) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "yesterday"}, "from"), ({"from": "-1"}, "from"), ({"to": "1.5"}, "to"),
     ({"to": ""}, "to"), ({"from": "1e9"}, "from"), ({"to": "1" * 13}, "to"),
     ({"from": "200", "to": "100"}, "to")],
)  # fmt: skip
@pytest.mark.parametrize("path", ["/exports/invoices.csv", "/exports/credit-notes.csv"])
def test_bad_bounds_are_a_400_naming_the_field(sqlite_api, path, params, field):
    answer = sqlite_api.get(path, params=params)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["error"]["field"] == field
    assert answer.json()["error"]["code"] == "invalid"


def test_amounts_are_in_the_currencys_units(sqlite_api, client):
    yen = client.v1.prices.create(
        {"currency": "jpy", "unit_amount": 1234, "product_data": {"name": "Yen item"}}
    )
    sent = sqlite_api.send("yen@example.com", items=[{"price": yen.id, "quantity": 3}]).json()
    assert sent["currency"] == "jpy", sent
    insert_rows(sqlite_api, invoices, [
        invoice_row(1, currency="kwd", amount_due=1234, total=1234, amount_remaining=1234),
        invoice_row(2, currency="usd", amount_due=5, total=5, amount_remaining=5,
                    lines=[{"description": "Cent", "quantity": 3, "amount": 5}]),
    ])  # fmt: skip
    rows = {row["currency"]: row for row in table(sqlite_api.get("/exports/invoices.csv"))}
    jpy = rows["JPY"]
    assert (jpy["unit_amount"], jpy["line_amount"], jpy["invoice_total"]) == (
        "1234",
        "3702",
        "3702",
    )
    assert (jpy["amount_paid"], jpy["amount_remaining"]) == ("0", "3702")
    kwd = rows["KWD"]
    assert (kwd["unit_amount"], kwd["line_amount"], kwd["invoice_total"]) == (
        "0.617",
        "1.234",
        "1.234",
    )
    # 5 cents for 3: no exact price of one, so the cell is left empty rather than rounded.
    usd = rows["USD"]
    assert (usd["unit_amount"], usd["line_amount"], usd["invoice_total"]) == ("", "0.05", "0.05")


def test_formulas_are_defused_and_numbers_are_not(sqlite_api):
    formula = '=HYPERLINK("https://evil.example","x")'
    insert_rows(sqlite_api, invoices, [
        invoice_row(1, customer_name=formula, email="+1@example.com", lines=[
            {"description": "@SUM(A1:A9)", "quantity": 1, "amount": 100},
            {"description": "-2+3", "quantity": 1, "amount": 100},
            {"description": "\tTabbed", "quantity": 1, "amount": 100},
            {"description": "\rReturned", "quantity": 1, "amount": 100},
            {"description": "Plain = text - ok", "quantity": 1, "amount": 100},
        ]),
    ])  # fmt: skip
    insert_rows(sqlite_api, credit_notes, [credit_note_row(1, "in_sql0000001", memo="=1+1")])
    rows = table(sqlite_api.get("/exports/invoices.csv"))
    assert rows[0]["customer_name"] == "'" + formula
    assert rows[0]["customer_email"] == "'+1@example.com"
    described = [row["line_description"] for row in rows]
    assert described == ["'@SUM(A1:A9)", "'-2+3", "'\tTabbed", "'\rReturned", "Plain = text - ok"]
    assert {row["line_amount"] for row in rows} == {"1.00"}
    note = table(sqlite_api.get("/exports/credit-notes.csv"))[0]
    assert note["memo"] == "'=1+1" and note["customer_name"] == "'" + formula
    # No cell of either file can start a formula.
    for path in ("/exports/invoices.csv", "/exports/credit-notes.csv"):
        for row in csv.reader(io.StringIO(sqlite_api.get(path).text, newline="")):
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_the_exports_ask_for_the_admins_credentials(emulator, sqlite_url):
    with served(emulator, sqlite_url, ADMIN_PASSWORD="export-password") as api:
        for path in ("/exports/invoices.csv", "/exports/credit-notes.csv"):
            refused = api.get(path)
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "unauthorized"
            assert table(api.get(path, auth=("admin", "export-password"))) == []
            assert api.get(path, auth=("admin", "wrong")).status_code == 401


def _exported(app, path):
    """Export `path` through the app in this process, piece by piece as a server sends it;
    return (the rows, the peak of memory allocated meanwhile, the reads of the table)."""
    reads = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    engine = app.extensions["db"]
    event.listen(engine, "before_cursor_execute", count)
    tracemalloc.start()
    try:
        answer = app.test_client().get(path, buffered=False)
        assert answer.is_streamed
        last, lines = b"", 0
        for piece in answer.response:
            piece = piece.encode() if isinstance(piece, str) else piece
            lines += piece.count(b"\n")
            last = piece
        answer.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        event.remove(engine, "before_cursor_execute", count)
    assert last.endswith(b"\r\n")
    return lines - 1, peak, reads


def test_memory_stays_flat_whatever_the_number_of_rows(sqlite_api):
    # Ties in finalized_at across batch boundaries: the keyset takes the id next.
    many = [invoice_row(i, finalized_at=T0 + i // 7) for i in range(20_000)]
    insert_rows(sqlite_api, invoices, many)
    app, path = sqlite_api.live.app, "/exports/invoices.csv"
    _exported(app, f"{path}?to={T0 + 100}")  # warm: the first request imports and compiles
    # The first 5,000, then all 20,000: past the first few pieces, nothing grows with rows.
    small_rows, small_peak, small_reads = _exported(app, f"{path}?to={T0 + 5_000 // 7}")
    rows, peak, reads = _exported(app, path)
    assert (small_rows, rows) == (4_998, 20_000)
    # One read per batch (and one finding the end), each on its own, none reading it all.
    assert (len(small_reads), len(reads)) == (
        4_998 // reading.BATCH + 1, 20_000 // reading.BATCH + 1)  # fmt: skip
    assert peak < small_peak * 1.1 + 64 * 1024, (small_peak, peak)
    assert peak < 4 * 1024 * 1024, peak
    # Every invoice once, in the order of (finalized_at, id).
    listed = [row["id"] for row in table(sqlite_api.get(path))]
    assert listed == [row["id"] for row in many]


def test_a_database_failure_is_a_503_before_the_answer_and_a_cut_after(
    sqlite_api, monkeypatch, caplog
):
    # 600 invoices, about 130 KB of CSV, read 100 at a time: the first piece goes out (64 KB)
    # during the fourth batch.
    insert_rows(sqlite_api, invoices, [invoice_row(i) for i in range(600)])
    monkeypatch.setattr(reading, "BATCH", 100)
    real = reading.batches

    def failing(after_batches):
        def batches(*args, **kwargs):
            for count, batch in enumerate(real(*args, **kwargs)):
                if count == after_batches:
                    raise OperationalError("SELECT", {}, sqlite3.OperationalError("disk I/O error"))
                yield batch

        return batches

    # Before the first piece: the status still says it.
    monkeypatch.setattr(reading, "batches", failing(2))
    answer = sqlite_api.get("/exports/invoices.csv")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "database_unavailable"
    # After it: the answer is cut short, with no last chunk, and the cut is logged.
    monkeypatch.setattr(reading, "batches", failing(5))
    with caplog.at_level(logging.ERROR, logger="invoicing"):
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            sqlite_api.get("/exports/invoices.csv").content  # noqa: B018
    assert "export of invoices cut short" in caplog.text
