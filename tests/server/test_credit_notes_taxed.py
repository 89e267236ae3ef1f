"""Credit notes by lines on invoices with tax and discounts: a line's credit carries its share
of them, as Stripe works it out, so that on a paid invoice the refund asked for is the credit
note's whole amount, tax included."""

from tests.helpers import wait_for


def credit(api, invoice_id, body):
    return api.post(f"/invoices/{invoice_id}/credit-notes", body)


def test_a_paid_taxed_and_discounted_invoice_is_refunded_its_lines_share(
    sqlite_api, client, emulator
):
    vat = client.v1.tax_rates.create(
        {"display_name": "VAT", "percentage": 20, "inclusive": False, "country": "FR"}
    ).id
    ten = client.v1.coupons.create({"percent_off": 10, "duration": "once"}).id
    gold = sqlite_api.prices()["gold_special"]
    items = [{"price": gold["id"], "quantity": 3}]
    sent = sqlite_api.send(
        "taxed-refund@example.com", items=items, tax_rates=[vat], discounts=[{"coupon": ten}]
    ).json()
    emulator.simulate_payment(sent["id"], "succeed")
    wait_for(lambda: sqlite_api.invoice(sent["id"])["status"] == "paid")

    (line,) = sent["lines"]
    body = {"lines": [{"line": line["line"], "quantity": 1}], "reason": "order_change"}
    preview = sqlite_api.post(f"/invoices/{sent['id']}/credit-notes/preview", body)
    assert preview.status_code == 200, preview.text
    share = preview.json()["amount"]
    # A third of the line, less a third of its discount, plus the tax on what is left.
    net = gold["unit_amount"] - line["discount"] // 3
    assert abs(share - net * 120 // 100) <= 1 and share > gold["unit_amount"]
    assert preview.json()["refund_amount"] == share

    answer = credit(sqlite_api, sent["id"], body)
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert note["amount"] == share and note["type"] == "post_payment"
    assert note["refund_amount"] == share and note["post_payment_amount"] == share
    at_stripe = client.v1.credit_notes.retrieve(note["id"])
    assert [refund.amount_refunded for refund in at_stripe.refunds] == [share]
    shown = sqlite_api.invoice(sent["id"])
    assert shown["amount_credited"] == share and shown["amount_refunded"] == share


def test_an_open_taxed_invoice_is_lowered_by_its_lines_share(sqlite_api, client):
    vat = client.v1.tax_rates.create(
        {"display_name": "VAT", "percentage": 20, "inclusive": False, "country": "FR"}
    ).id
    sent = sqlite_api.send("taxed-open@example.com", tax_rates=[vat]).json()
    (line,) = sent["lines"]
    body = {"lines": [{"line": line["line"], "quantity": 1}]}
    answer = credit(sqlite_api, sent["id"], body)
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert note["type"] == "pre_payment" and note["amount"] == line["amount"] // 2 * 120 // 100
    shown = sqlite_api.invoice(sent["id"])
    assert shown["amount_remaining"] == sent["amount_due"] - note["amount"]
