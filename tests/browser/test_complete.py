"""Complete invoices on the demo page and the pay page in a real headless Chromium (Debian's):
the customer's details, a tax rate and a coupon chosen in the form (made at Stripe by the test,
or emulator mode's samples), the running estimate, Stripe's totals in the "Invoice sent" panel,
the detail view and the pay page, and nested fields' errors at their inputs; on a desktop and
on a 390 px phone."""

import re

import pytest
from playwright.sync_api import expect

from invoicing import catalog
from tests.helpers import sdk_client
from tests.helpers.browser import PHONE, Watched, assert_fits, needs_chromium, open_demo

pytestmark = needs_chromium
# Stripe's amounts off are shown with a minus sign, not a hyphen.
MINUS = "\N{MINUS SIGN}"
# What the line of the first test's invoice shows under its amount: 15% off $20.00, then
# 8.5% of $17.00 ($1.445, which Stripe rounds half up).
LINE_EXTRAS = [f"{MINUS}$3.00 discount", "$1.45 tax"]
SIZES = pytest.mark.parametrize("width", [1100, PHONE], ids=["desktop", "phone"])


@pytest.fixture
def client(site):
    """The real SDK against the site's own emulator (the shared fixture's is another one)."""
    return sdk_client(site.emulator)


@pytest.fixture
def choices(site, client):
    """A tax rate and a coupon made at Stripe, besides emulator mode's samples; the server
    reads its catalog afresh."""
    rate = client.v1.tax_rates.create(
        {"display_name": "Sales tax", "percentage": 8.5, "inclusive": False, "country": "US",
         "jurisdiction": "CA"}
    )  # fmt: skip
    coupon = client.v1.coupons.create({"percent_off": 15, "duration": "once", "name": "Spring"})
    site.app.extensions["catalog"] = catalog.Catalog()
    return rate, coupon


def _money(amount):
    return f"${amount / 100:,.2f}"


def _stripe_totals(client, invoice_id):
    """Subtotal, discount, tax and total of the invoice as Stripe (the emulator) has it."""
    found = client.v1.invoices.retrieve(invoice_id)
    discount = sum(d.amount for d in found.total_discount_amounts)
    tax = sum(t.amount for t in found.total_taxes)
    return found.subtotal, discount, tax, found.total


@SIZES
def test_a_complete_invoice_from_the_form(site, browser, tmp_path, client, choices, width):
    watched = Watched(browser, tmp_path, width=width)
    watched.expect_failures("/invoices")  # the 400 this test asks for
    page = watched.page
    form = page.locator("#invoice-form")
    open_demo(page, site)
    page.fill("#qty-0", "2")
    form.get_by_label("Sales tax 8.5% (CA)").check()
    form.get_by_label("Coupon").select_option(label="Spring: 15% off")
    # The running total follows the choices, still called an estimate.
    expect(page.locator("#total")).to_have_text("$18.45")
    expect(page.locator("#estimate")).to_have_text(
        f"Subtotal $20.00, discount {MINUS}$3.00, tax $1.45."
    )
    expect(form.locator(".total")).to_contain_text("Estimated total")
    page.fill("#email", "ada@example.com")
    page.fill("#name", "Ada SARL")
    # The customer's details are folded away; the keyboard unfolds them.
    details = page.locator("#customer-details")
    expect(form.get_by_label("Address line 1")).to_be_hidden()
    details.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(form.get_by_label("Address line 1")).to_be_visible()
    form.get_by_label("Address line 1").fill("1 Rue de Rivoli")
    form.get_by_label("Postal code").fill("75001")
    form.get_by_label("City").fill("Paris")
    form.get_by_label("Country").fill("France")
    form.get_by_label("Phone").fill("+33 1 23 45 67 89")
    form.get_by_label("Tax ID type").select_option("eu_vat")
    form.get_by_label("Tax ID", exact=True).fill("FR12345678901")
    form.get_by_label("Memo").fill("Thank you for your order.")
    form.get_by_label("Footer").fill("Payment within 30 days.")
    if width < 1000:
        assert_fits(page)
    watched.shot("complete-form")

    # A country that is not two letters: the error is at the Country input, which takes the
    # focus, and goes when the field changes.
    page.click("#send")
    country = form.get_by_label("Country")
    expect(page.locator("#address_country-error")).to_contain_text("two-letter country code")
    expect(country).to_have_attribute("aria-invalid", "true")
    expect(country).to_be_focused()
    expect(page.locator("#form-error")).to_be_empty()
    country.fill("FR")
    expect(page.locator("#address_country-error")).to_be_empty()
    expect(country).not_to_have_attribute("aria-invalid", "true")

    page.click("#send")
    expect(page.locator("#result-email")).to_have_text("ada@example.com")
    invoice_id = page.get_attribute("#result-detail", "href").lstrip("#")
    subtotal, discount, tax, total = _stripe_totals(client, invoice_id)
    assert (subtotal, discount, tax, total) == (2000, 300, 145, 1845)
    # The panel shows Stripe's amounts, which the estimate foresaw.
    expect(page.locator("#result-subtotal")).to_have_text(_money(subtotal))
    expect(page.locator("#result-discount")).to_have_text(f"{MINUS}{_money(discount)}")
    expect(page.locator("#result-tax")).to_have_text(_money(tax))
    expect(page.locator("#result-total")).to_have_text(_money(total))
    expect(page.locator("#result-amount")).to_have_text(_money(total))
    # The form is back to its start, its details folded.
    expect(details).not_to_have_attribute("open", "")
    expect(form.get_by_label("Sales tax 8.5% (CA)")).not_to_be_checked()
    expect(page.locator("#estimate")).to_be_empty()

    # The detail view: who is billed and where, the lines' discount and tax, the totals, the
    # memo and the footer.
    page.click("#result-detail")
    dialog = page.locator("#detail")
    facts = dialog.locator("dl.facts")
    expect(facts).to_contain_text("Ada SARL <ada@example.com>")
    expect(facts).to_contain_text(re.compile(r"Address\s*1 Rue de Rivoli\s*75001 Paris\s*FR"))
    expect(facts).to_contain_text(re.compile(r"Phone\s*\+33 1 23 45 67 89"))
    expect(facts).to_contain_text(re.compile(r"Tax ID\s*EU VAT FR12345678901"))
    expect(facts).to_contain_text(re.compile(rf"Subtotal\s*\$20\.00\s*Discount\s*{MINUS}\$3\.00"))
    expect(facts).to_contain_text(re.compile(r"Tax\s*\$1\.45\s*Total\s*\$18\.45"))
    expect(facts).to_contain_text(re.compile(r"Memo\s*Thank you for your order\."))
    expect(facts).to_contain_text(re.compile(r"Footer\s*Payment within 30 days\."))
    expect(dialog.locator(".lines .line-extra")).to_have_text(LINE_EXTRAS)
    if width < 1000:
        assert_fits(page)
    watched.shot("complete-detail")
    page.keyboard.press("Escape")

    # The pay page shows the same, to the customer.
    pay = watched.watch(watched.context.new_page())
    pay.goto(f"{site.url}/invoices/{invoice_id}/pay")
    expect(pay.locator("#customer-address")).to_have_text(re.compile(r"1 Rue de Rivoli\s*75001"))
    expect(pay.locator("#customer-phone")).to_have_text("+33 1 23 45 67 89")
    expect(pay.locator("#customer-tax-ids")).to_have_text("EU VAT FR12345678901")
    expect(pay.locator("#subtotal")).to_have_text("$20.00")
    expect(pay.locator("#discount")).to_have_text(f"{MINUS}$3.00")
    expect(pay.locator("#tax")).to_have_text("$1.45")
    expect(pay.locator("#total")).to_have_text("$18.45")
    expect(pay.locator("#memo")).to_have_text("Thank you for your order.")
    expect(pay.locator("#footer")).to_have_text("Payment within 30 days.")
    expect(pay.locator(".lines .line-extra")).to_have_text(LINE_EXTRAS)
    if width < 1000:
        assert_fits(pay)
    watched.shot("complete-pay", pay)
    watched.close()


@SIZES
def test_a_promotion_code_an_items_own_rate_and_errors_at_their_inputs(
    site, browser, tmp_path, client, width
):
    watched = Watched(browser, tmp_path, width=width)
    watched.expect_failures("/invoices")  # the 400s this test asks for
    page = watched.page
    form = page.locator("#invoice-form")
    open_demo(page, site)
    page.fill("#email", "gst@example.com")
    # An item's own rate, emulator mode's inclusive GST: the tax is inside the price, the total
    # does not grow.
    form.get_by_label("Tax rate of Gold Special").select_option(label="GST 10% included (AU)")
    form.get_by_label("Promotion code").fill("NOPE")
    expect(page.locator("#total")).to_have_text("$10.00")
    expect(page.locator("#estimate")).to_have_text(
        "Subtotal $10.00, tax $0.91 (included in the prices)."
    )
    page.click("#send")
    code = form.get_by_label("Promotion code")
    expect(page.locator("#promotion_code-error")).to_contain_text("not an active promotion code")
    expect(code).to_be_focused()

    # A tax ID without its type: the folded details open at the type, which takes the focus.
    code.fill("welcome10")
    expect(page.locator("#promotion_code-error")).to_be_empty()
    page.locator("#customer-details summary").click()
    form.get_by_label("Tax ID", exact=True).fill("FR12345678901")
    page.locator("#customer-details summary").click()
    expect(form.get_by_label("Tax ID type")).to_be_hidden()
    page.click("#send")
    expect(page.locator("#tax_id_type-error")).to_contain_text("tax ID types")
    expect(form.get_by_label("Tax ID type")).to_be_focused()
    form.get_by_label("Tax ID type").select_option("eu_vat")
    expect(page.locator("#tax_id_type-error")).to_be_empty()
    # The estimate takes the code it knows (in any case) into account.
    expect(page.locator("#total")).to_have_text("$9.00")

    page.click("#send")
    expect(page.locator("#result-email")).to_have_text("gst@example.com")
    invoice_id = page.get_attribute("#result-detail", "href").lstrip("#")
    subtotal, discount, tax, total = _stripe_totals(client, invoice_id)
    assert (subtotal, discount, total) == (1000, 100, 900)
    expect(page.locator("#result-discount")).to_have_text(f"{MINUS}{_money(discount)}")
    expect(page.locator("#result-tax")).to_have_text(f"{_money(tax)} (included in the prices)")
    expect(page.locator("#result-total")).to_have_text(_money(total))
    if width < 1000:
        assert_fits(page)
    watched.close()
