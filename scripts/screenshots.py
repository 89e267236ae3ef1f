"""Make the README's screenshots: the demo page and the payment page, in emulator mode.

.venv/bin/python scripts/screenshots.py    # writes docs/index.png and docs/pay.png
"""

import os
import sys
import tempfile
import threading

from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from factory import create_app  # noqa: E402 - after the path is set
from stripe_emulator import serve  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def main():
    """Start a server with its emulator, send two invoices in the page, save screenshots."""
    emulator = serve()
    holder = {}
    server = make_server("127.0.0.1", 0, lambda e, s: holder["app"](e, s), request_handler=_Quiet)
    url = f"http://127.0.0.1:{server.server_port}"
    database = os.path.join(tempfile.mkdtemp(), "screens.db")
    holder["app"] = create_app(
        {
            "STRIPE_SECRET_KEY": "",
            "STRIPE_WEBHOOK_SECRETS": [],
            "STRIPE_API_BASE": emulator.url,
            "DATABASE_URL": f"sqlite:///{database}",
            "DOMAIN": url,
        }
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
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
    server.shutdown()
    emulator.stop()
    print(f"Wrote {out}/index.png and {out}/pay.png")


if __name__ == "__main__":
    main()
