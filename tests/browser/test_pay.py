"""The payment page (templates/pay.html, static/pay.js) in a real headless Chromium (Debian's):
an error from a failed poll goes when a poll works again, and the polling stops once the
invoice is final."""

import requests
from playwright.sync_api import expect

from tests.helpers.browser import needs_chromium, send_by_api

pytestmark = needs_chromium
QUIET_MS = 3000  # several of the page's one-second polls


def polls_of(page):
    """The page's requests for the invoice's status, as they are made."""
    made = []
    page.on("request", lambda request: "/pay/status" in request.url and made.append(request.url))
    return made


def polls_while_waiting(page, polls):
    """How many polls the page makes in QUIET_MS from now."""
    before = len(polls)
    page.wait_for_timeout(QUIET_MS)
    return len(polls) - before


def test_an_error_from_a_failed_poll_goes_when_a_poll_works(site, watched):
    sent = send_by_api(site, "poll@example.com")
    pay = watched.page
    watched.expect_failures("/pay/status")  # the one poll answered with a 503 below
    failed = []

    def fail_once(route):
        if failed:
            route.continue_()
            return
        failed.append(route.request.url)
        route.fulfill(status=503, json={"error": {"message": "The status is unavailable."}})

    pay.route("**/pay/status", fail_once)
    pay.goto(f"{site.url}/invoices/{sent['id']}/pay")
    expect(pay.locator("#pay-error")).to_have_text("The status is unavailable.")
    # The next poll works: its answer shows and the error under it goes.
    expect(pay.locator("#pay-error")).to_be_empty()
    expect(pay.locator("#status")).to_have_text("open")
    assert len(failed) == 1


def test_polling_stops_once_the_invoice_is_paid(site, watched):
    sent = send_by_api(site, "paid-poll@example.com")
    pay = watched.page
    polls = polls_of(pay)
    # While open it polls.
    with pay.expect_request("**/pay/status"):
        pay.goto(f"{site.url}/invoices/{sent['id']}/pay")
    pay.get_by_role("button", name="Pay", exact=True).click()
    expect(pay.locator("#status")).to_have_text("paid")
    # A poll already on its way when the payment answered may still come; then none.
    pay.wait_for_timeout(2000)
    expect(pay.locator("#status")).to_have_text("paid")
    assert polls_while_waiting(pay, polls) == 0
    # A paid invoice's page, opened afresh, does not poll at all.
    pay.reload()
    expect(pay.locator("#status")).to_have_text("paid")
    assert polls_while_waiting(pay, polls) == 0


def test_polling_stops_when_voided_and_slows_when_uncollectible(site, watched):
    voided = send_by_api(site, "void-poll@example.com")
    bad_debt = send_by_api(site, "bad-debt-poll@example.com")
    pages = {}
    for invoice in (voided, bad_debt):
        page = watched.watch(watched.context.new_page())
        pages[invoice["id"]] = (page, polls_of(page))
        page.goto(f"{site.url}/invoices/{invoice['id']}/pay")
    for invoice, action in ((voided, "void"), (bad_debt, "mark-uncollectible")):
        url = f"{site.url}/invoices/{invoice['id']}/{action}"
        assert requests.post(url, json={}, timeout=10).status_code == 200
    void_page, void_polls = pages[voided["id"]]
    late_page, late_polls = pages[bad_debt["id"]]
    # Each page learns it from a poll, and its message shows.
    expect(void_page.locator("#status")).to_have_text("void")
    expect(late_page.locator("#status")).to_have_text("uncollectible")
    expect(late_page.locator("#state-message")).to_contain_text("uncollectible")
    # Void is final: no more polls. Uncollectible can still be paid or voided on Stripe, so it
    # is checked again, but far less often than every second.
    before = len(late_polls)
    assert polls_while_waiting(void_page, void_polls) == 0
    assert len(late_polls) - before <= 1
