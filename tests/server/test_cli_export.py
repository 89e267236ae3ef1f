"""cli.py's `export`: the same CSV as the routes, Xero's import template, a file written whole,
bad parameters refused, and a progress bar on a terminal only."""

import csv
import io
import os
import pty
import subprocess
import sys

import pytest
from sqlalchemy import insert

from invoicing.record.tables import credit_notes, invoices
from tests.helpers import ROOT, clean_env

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z
XERO_HEADER = (
    "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,"
    "POCity,PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,"
    "Total,InventoryItemCode,*Description,*Quantity,*UnitAmount,Discount,*AccountCode,"
    "*TaxType,TaxAmount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,"
    "BrandingTheme"
).split(",")


def invoice_row(i, **values):
    """An invoice row for the record, finalized at T0 + i, due a day later."""
    row = {
        "id": f"in_cli{i:06d}", "number": f"CLI-{i:06d}", "status": "open", "status_rank": 1,
        "customer": "cus_cli", "email": f"c{i}@example.com", "customer_name": f"Customer {i}",
        "amount_due": 3000, "amount_paid": 0, "amount_remaining": 3000, "total": 3000,
        "currency": "usd", "due_date": T0 + i + 86400, "finalized_at": T0 + i,
        "lines": [{"price": "price_a", "description": "Widget", "quantity": 2, "amount": 2000},
                  {"price": "price_b", "description": "Setup", "quantity": 1, "amount": 1000}],
        "created": T0 + i, "updated": T0 + i, "recorded": 0, "changed": 0,
    }  # fmt: skip
    return {**row, **values}


def credit_note_row(i, invoice_id, **values):
    """A credit note row for the record, created at T0 + i."""
    row = {
        "id": f"cn_cli{i:06d}", "invoice_id": invoice_id, "number": f"CN-{i:06d}",
        "status": "issued", "type": "pre_payment", "currency": "usd", "amount": 700,
        "pre_payment_amount": 700, "post_payment_amount": 0, "refund_amount": 0,
        "credit_amount": 0, "out_of_band_amount": 0, "reason": "order_change", "memo": "Sorry",
        "lines": [{"description": "Widget", "quantity": 1, "amount": 700}], "created": T0 + i,
    }  # fmt: skip
    return {**row, **values}


@pytest.fixture
def filled(sqlite_api):
    """The server on SQLite with two open invoices, a void one, and a credit note of each
    kind (issued, void)."""
    with sqlite_api.live.app.extensions["db"].begin() as db:
        db.execute(insert(invoices), [
            invoice_row(1), invoice_row(2, currency="jpy", amount_due=3000, total=3000),
            invoice_row(3, status="void", status_rank=3),
        ])  # fmt: skip
        db.execute(insert(credit_notes), [
            credit_note_row(1, "in_cli000001"),
            credit_note_row(2, "in_cli000001", status="void", voided_at=T0 + 5),
        ])  # fmt: skip
    return sqlite_api


def export(api, *args):
    result = api.live.app.test_cli_runner().invoke(args=["export", *args])
    return result


def test_the_command_writes_what_the_routes_answer(filled):
    for kind in ("invoices", "credit-notes"):
        result = export(filled, kind)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""  # no terminal: no progress bar
        answer = filled.get(f"/exports/{kind}.csv")
        assert result.stdout_bytes == answer.content
    bounded = export(filled, "invoices", "--from", str(T0 + 2), "--to", str(T0 + 3))
    ids = {row["id"] for row in csv.DictReader(io.StringIO(bounded.stdout))}
    assert ids == {"in_cli000002"}


def test_an_output_file_is_written_whole(filled, tmp_path):
    target = tmp_path / "out" / "invoices.csv"
    target.parent.mkdir()
    result = export(filled, "invoices", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_bytes() == filled.get("/exports/invoices.csv").content
    assert os.listdir(target.parent) == ["invoices.csv"]  # no temporary file left


def test_xero_rows_follow_its_sales_invoice_template(filled):
    result = export(filled, "invoices", "--format", "xero", "--xero-account-code", "4000",
                    "--xero-tax-type", "No VAT")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[0] == XERO_HEADER
    shown = [dict(zip(XERO_HEADER, row, strict=True)) for row in rows[1:]]
    # Two lines of each open invoice; the void one is left out.
    assert [row["*InvoiceNumber"] for row in shown] == ["CLI-000001"] * 2 + ["CLI-000002"] * 2
    first = shown[0]
    assert first == {
        **dict.fromkeys(XERO_HEADER, ""),
        "*ContactName": "Customer 1", "EmailAddress": "c1@example.com",
        "*InvoiceNumber": "CLI-000001", "Reference": "in_cli000001",
        "*InvoiceDate": "14/11/2023", "*DueDate": "15/11/2023", "*Description": "Widget",
        "*Quantity": "2", "*UnitAmount": "10.00", "*AccountCode": "4000", "*TaxType": "No VAT",
        "Currency": "USD",
    }  # fmt: skip
    assert (shown[1]["*Description"], shown[1]["*Quantity"], shown[1]["*UnitAmount"]) == (
        "Setup", "1", "10.00")  # fmt: skip
    yen = shown[2]
    assert (yen["Currency"], yen["*Quantity"], yen["*UnitAmount"]) == ("JPY", "2", "1000")


def test_xero_credit_notes_are_negative_and_void_ones_left_out(filled):
    result = export(filled, "credit-notes", "--format", "xero")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[0] == XERO_HEADER
    [note] = [dict(zip(XERO_HEADER, row, strict=True)) for row in rows[1:]]
    assert (note["*InvoiceNumber"], note["Reference"]) == ("CN-000001", "CLI-000001")
    assert (note["*InvoiceDate"], note["*DueDate"]) == ("14/11/2023", "14/11/2023")
    # A negative amount is a number we write, not text: no quote before it.
    assert (note["*Quantity"], note["*UnitAmount"]) == ("1", "-7.00")
    assert (note["*AccountCode"], note["*TaxType"]) == ("200", "Tax Exempt")


@pytest.mark.parametrize(
    "args",
    [["bills"], ["invoices", "--from", "-1"], ["invoices", "--to", "soon"],
     ["invoices", "--from", "1" * 13], ["invoices", "--from", "200", "--to", "100"],
     ["invoices", "--format", "xlsx"]],
)  # fmt: skip
def test_bad_parameters_are_refused(filled, args):
    result = export(filled, *args)
    assert result.exit_code == 2
    assert result.stdout == ""


def test_a_progress_bar_on_a_terminal_only(filled, tmp_path):
    env = clean_env(
        tmp_path, RECONCILE_SECONDS="0", STRIPE_API_BASE="http://127.0.0.1:9",
        STRIPE_WEBHOOK_SECRET="whsec_cli_export_0123456789",
    )  # fmt: skip
    command = [sys.executable, "-m", "flask", "--app", "server", "export", "invoices"]
    main, side = pty.openpty()
    try:
        shown = subprocess.run(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=side, timeout=60
        )
        os.close(side)
        side = None
        terminal = b""
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # the terminal's other end is closed: all is read
                break
            if not data:
                break
            terminal += data
    finally:
        os.close(main)
        if side is not None:
            os.close(side)
    assert shown.returncode == 0
    assert b"Exporting invoices" in terminal and b"100%" in terminal
    assert shown.stdout == filled.get("/exports/invoices.csv").content
    piped = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == shown.stdout
