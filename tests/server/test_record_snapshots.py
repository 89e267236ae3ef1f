"""record/snapshots.py: what the record takes from a Stripe invoice. Each mirrored value must
pass its check, even in a signed event: never a `javascript:` link, a negative amount or a
control character in what the pages show."""

import pytest

from invoicing.record.snapshots import changes_of, invoice_id_of, is_stripe_id

T = 1_760_000_000
GOOD = {
    "id": "in_1",
    "number": "INV-0001",
    "amount_due": 2000,
    "amount_paid": 500,
    "amount_remaining": 1500,
    "due_date": T + 86400,
    "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_1",
    "invoice_pdf": "https://pay.stripe.com/invoice/acct_1/test_1/pdf",
    "status": "open",
    "status_transitions": {"finalized_at": T},
}


def test_the_mirrored_values_that_pass_their_checks_are_taken():
    assert changes_of(GOOD) == {
        "number": "INV-0001",
        "amount_due": 2000,
        "amount_paid": 500,
        "amount_remaining": 1500,
        "due_date": T + 86400,
        "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_1",
        "invoice_pdf": "https://pay.stripe.com/invoice/acct_1/test_1/pdf",
        "finalized_at": T,
    }


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("hosted_invoice_url", "javascript:alert(document.cookie)"),
        ("hosted_invoice_url", "JavaScript:alert(1)"),
        ("hosted_invoice_url", "data:text/html,<script>alert(1)</script>"),
        ("invoice_pdf", "https://example.com/\x00x"),
        ("invoice_pdf", "https://example.com/a b"),
        ("amount_paid", -5),
        ("amount_due", True),
        ("amount_due", 2**63),
        ("amount_remaining", 1.5),
        ("due_date", "1760000000"),
        ("number", "X\nY"),
        ("number", " INV"),
        ("number", ""),
    ],
)
def test_a_value_that_fails_its_check_reads_as_missing(key, value):
    assert key not in changes_of({**GOOD, key: value})
    assert changes_of({**GOOD, key: value}) == {
        k: v for k, v in changes_of(GOOD).items() if k != key
    }


def test_it_left_open_at_the_first_of_paid_voided_and_marked_uncollectible():
    moments = {"finalized_at": T, "marked_uncollectible_at": T + 50, "paid_at": T + 90}
    changes = changes_of({"status_transitions": moments})
    assert changes == {"finalized_at": T, "closed_at": T + 50}
    odd = {"finalized_at": -1, "paid_at": "soon", "voided_at": T + 70}
    assert changes_of({"status_transitions": odd}) == {"closed_at": T + 70}
    assert changes_of({"status_transitions": "open"}) == {}


@pytest.mark.parametrize("value", ["in_\x00", "in 1", "", "i" * 256, 42, None, "in_1;--"])
def test_an_id_stripe_could_never_have_made_is_no_id(value):
    assert not is_stripe_id(value)
    assert invoice_id_of({"id": value}) is None


def test_a_stripe_id_is_taken():
    assert is_stripe_id("in_1MtHbELkdIwHu7ixl4OzzPMv")
    assert invoice_id_of(GOOD) == "in_1"
