"""Make the README's screenshots: the demo page and the payment page, in emulator mode.

.venv/bin/python scripts/screenshots.py    # writes docs/index.png and docs/pay.png
"""

import os
import sys
import tempfile

from playwright.sync_api import expect, sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from factory import create_app  # noqa: E402 - after the path is set
from stripe_emulator import serve  # noqa: E402
from tools.serving import LiveServer  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


def main():
    """Start a server with its emulator, send two invoices in the page, save screenshots."""
    emulator = serve()
    server = LiveServer()
    url = server.url
    database = os.path.join(tempfile.mkdtemp(), "screens.db")
    server.app = create_app(
        {
            "STRIPE_SECRET_KEY": "",
            "STRIPE_WEBHOOK_SECRETS": [],
            "STRIPE_API_BASE": emulator.url,
            "DATABASE_URL": f"sqlite:///{database}",
            "DOMAIN": url,
        }
    )
    out = os.path.join(ROOT, "docs")
    os.makedirs(out, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1000, "height": 900})
        page.goto(url)
        page.wait_for_selector("input.quantity")
        for email, quantity in (("ada@example.com", "2"), ("jenny@example.com", "5")):
            page.fill("#qty-0", quantity)
            page.fill("#email", email)
            page.fill("#po_number", "PO-1234")
            page.click("#send")
            expect(page.locator("#result-number")).not_to_be_empty()
        first = page.locator("#invoices tr").last
        first.get_by_role("link").click()
        expect(page.locator("#status")).to_have_text("open")
        page.get_by_role("button", name="Pay", exact=True).click()
        expect(page.locator("#status")).to_have_text("paid")
        page.goto(url)
        expect(page.locator("#invoices .badge").filter(has_text="paid")).to_have_count(1)
        page.screenshot(path=os.path.join(out, "index.png"), full_page=True)
        page.locator("#invoices tr").first.get_by_role("link").click()
        expect(page.locator("#status")).to_have_text("open")
        page.screenshot(path=os.path.join(out, "pay.png"))
        browser.close()
    server.stop()
    emulator.stop()
    print(f"Wrote {out}/index.png and {out}/pay.png")


if __name__ == "__main__":
    main()
