"""A cross-cutting suite over the page findings of the third hardening round, in Chromium: the
customer's name in the list and the detail view, invoice numbers kept whole on a phone, the
form's cards side by side at 1280 px, the "Invoice sent" panel apart from the Send button, and
each outbox email's text."""

from playwright.sync_api import expect

from tests.helpers.browser import PHONE, Watched, needs_chromium, open_demo, row, send_from_form

pytestmark = needs_chromium


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_the_form_and_the_sent_panel_at_1280_px(site, browser, tmp_path):
    desktop = Watched(browser, tmp_path, width=1280)
    page = desktop.page
    open_demo(page, site)
    items = _box(page, ".form-grid > fieldset")
    column = _box(page, ".form-grid > div > fieldset:last-child")
    # The Items card ends where the last card of the column beside it ends.
    assert abs((items["y"] + items["height"]) - (column["y"] + column["height"])) <= 2
    number = send_from_form(page, "named@example.com")
    send, panel = _box(page, "#send"), _box(page, "#result")
    assert panel["y"] - (send["y"] + send["height"]) >= 16
    # The name the form gave (Jo Bloggs) shows in the list and in the detail view.
    expect(row(page, number).locator(".customer-name")).to_have_text("Jo Bloggs")
    page.get_by_role("link", name=f"Details of {number}").click()
    expect(page.locator("#detail")).to_contain_text("Jo Bloggs <named@example.com>")
    page.keyboard.press("Escape")
    # The outbox shows what the customer reads, folded under the subject.
    first = page.locator("#outbox li").first
    first.locator("summary").click()
    expect(first.locator("pre")).to_contain_text("named@example.com")
    expect(first.locator("pre")).to_contain_text(number)
    desktop.close()


_LINES_OF = """([element, text]) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  }
  return 0;
}"""


def test_the_number_in_a_title_stays_whole_on_a_phone(site, browser, tmp_path):
    phone = Watched(browser, tmp_path, width=PHONE)
    page = phone.page
    open_demo(page, site)
    number = send_from_form(page, "title@example.com")
    pay = phone.watch(phone.context.new_page())
    pay.goto(site.url + page.get_attribute("#result-pay", "href"))
    assert pay.evaluate(_LINES_OF, [pay.locator("h1").element_handle(), number]) == 1
    page.get_by_role("link", name=f"Details of {number}").click()
    title = page.locator("#detail-title")
    expect(title).to_contain_text(number)
    assert page.evaluate(_LINES_OF, [title.element_handle(), number]) == 1
    phone.close()
