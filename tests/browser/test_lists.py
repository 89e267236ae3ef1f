"""The invoice list's search and Load more, and the customers view (static/invoices.js,
static/customers.js) in a real headless Chromium (Debian's), over HTTP: a search that narrows
the list and still follows the polling, pages that reach the 101st invoice with no row twice,
what each customer owes, choosing one to filter the list, and all of it on a 390 px phone."""

import time
from concurrent.futures import ThreadPoolExecutor

import requests
from playwright.sync_api import expect

from tests.helpers.browser import (
    LONG_EMAIL,
    PHONE,
    Watched,
    assert_fits,
    first_price,
    needs_chromium,
    open_demo,
    row,
)

pytestmark = needs_chromium


def send(site, email, name=None, quantity=1, price=None):
    """Send an invoice over HTTP, with the customer's name when given."""
    body = {"email": email, "items": [{"price": price or first_price(site), "quantity": quantity}],
            "days_until_due": 30}  # fmt: skip
    if name:
        body["name"] = name
    answer = requests.post(f"{site.url}/invoices", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()


def send_many(site, count, prefix="bulk"):
    """`count` invoices to as many customers, eight at a time (the order among them is the
    server's)."""
    price = first_price(site)
    with ThreadPoolExecutor(8) as pool:
        emails = [f"{prefix}{i:03}@example.com" for i in range(count)]
        return list(pool.map(lambda email: send(site, email, price=price), emails))


def send_oldest(site):
    """An invoice a second older than any sent after it (Stripe's `created` is in seconds), so
    that it comes last in the list, after every tie."""
    oldest = send(site, "oldest@example.com", "Olive Oldest")
    time.sleep(1.1)
    return oldest


def post(site, path, body=None):
    """POST JSON to the server; the answer's JSON."""
    answer = requests.post(f"{site.url}{path}", json=body or {}, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def shown_ids(page):
    """The ids of the list's rows, top to bottom."""
    return page.eval_on_selector_all("#invoices tr", "rows => rows.map(r => r.dataset.invoice)")


def load_everything(page, button="#list-more"):
    """Press Load more until there is no more; how many presses it took. (The button is
    disabled from the press until the page is shown.)"""
    presses = 0
    more = page.locator(button)
    while more.is_visible():
        more.click()
        expect(more).to_be_enabled()
        presses += 1
        assert presses <= 20
    return presses


def customer(page, email):
    """The customers view's row (a card on a phone) of this email."""
    return page.locator("#customers tr").filter(
        has=page.get_by_role("button", name=f"Invoices of {email}", exact=True)
    )


def test_search_narrows_the_list_and_follows_the_polling(site, watched):
    ada = send(site, "ada@example.com", "Ada Lovelace", quantity=3)
    grace = send(site, "grace@example.com", "Grace Hopper")
    alan = send(site, "alan@example.com", "Alan Turing")
    alan_open = send(site, "alan@example.com", "Alan Turing")
    page = watched.page
    searches = []
    page.on("request", lambda r: "/invoices?" in r.url and "q=" in r.url and searches.append(r.url))
    open_demo(page, site)
    rows = page.locator("#invoices tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#list-count")).to_have_text("4 invoices.")
    expect(page.locator("#list-count")).to_have_attribute("role", "status")

    # A word of the name, in any case, typed as a person types: one request, after the pause.
    page.locator("#filter-q").press_sequentially("LOVE")
    expect(rows).to_have_count(1)
    expect(row(page, ada["number"])).to_have_count(1)
    expect(page.locator("#list-count")).to_have_text("1 invoice matches.")
    assert len(searches) == 1 and searches[0].endswith("q=LOVE"), searches
    # The beginning of a number, and of an email.
    page.fill("#filter-q", grace["number"][:6].lower())
    expect(rows).to_have_count(1)
    expect(row(page, grace["number"])).to_have_count(1)
    page.fill("#filter-q", "ALAN@")
    expect(row(page, alan["number"])).to_have_count(1)
    expect(rows).to_have_count(2)
    # Nothing found says so.
    page.fill("#filter-q", "zzz")
    expect(rows).to_have_count(0)
    expect(page.locator("#list-count")).to_have_text("No invoice matches “zzz”.")

    # With the status filter: Alan's two, then the open one, then the one made void.
    post(site, f"/invoices/{alan['id']}/void")
    page.fill("#filter-q", "turing")
    expect(rows).to_have_count(2)
    page.select_option("#filter-status", "open")
    expect(rows).to_have_count(1)
    expect(row(page, alan_open["number"])).to_have_count(1)
    page.select_option("#filter-status", "void")
    expect(rows).to_have_count(1)
    expect(row(page, alan["number"])).to_have_count(1)
    page.fill("#filter-q", "grace")
    expect(page.locator("#list-count")).to_have_text(
        "No invoice matches “grace” with these filters."
    )
    page.select_option("#filter-status", "")

    # While searching, the polling adds new invoices that match, on top, and only those; and
    # keeps the rows shown up to date.
    page.fill("#filter-q", "ada")
    expect(rows).to_have_count(1)
    carol = send(site, "carol@example.com")
    bob = send(site, "bob@example.com", "Bob Adams")  # "Adams" matches "ada" too
    expect(row(page, bob["number"])).to_have_count(1)
    newer = send(site, "ada@example.com", "Ada Lovelace")
    expect(rows).to_have_count(3)
    assert shown_ids(page) == [newer["id"], bob["id"], ada["id"]]
    expect(row(page, carol["number"])).to_have_count(0)
    post(site, f"/invoices/{ada['id']}/void")
    expect(row(page, ada["number"]).locator(".badge").first).to_have_text("void")
    expect(page.locator("#list-count")).to_have_text("3 invoices match.")

    # Clear: every invoice again; the URL never held the search.
    page.get_by_role("button", name="Clear").click()
    expect(rows).to_have_count(7)
    expect(page.locator("#filter-q")).to_have_value("")
    expect(page.get_by_role("button", name="Clear")).to_be_hidden()
    assert page.url == f"{site.url}/"


def test_load_more_reaches_the_101st_invoice(site, watched):
    oldest = send_oldest(site)
    send_many(site, 100)
    page = watched.page
    open_demo(page, site)
    more = page.get_by_role("button", name="Load more invoices")
    expect(more).to_be_visible()
    expect(page.locator("#list-count")).to_contain_text("Load more shows the next")
    expect(row(page, oldest["number"])).to_have_count(0)

    assert load_everything(page) == 4  # pages of 25
    expect(row(page, oldest["number"])).to_have_count(1)
    expect(page.locator("#invoices tr")).to_have_count(101)
    ids = shown_ids(page)
    assert len(set(ids)) == 101 and ids[-1] == oldest["id"]
    expect(more).to_be_hidden()
    expect(page.locator("#list-count")).to_have_text("101 invoices.")
    # In the server's order, the same as one page of 100 and the last one after it.
    listed = requests.get(f"{site.url}/invoices", params={"limit": 100}, timeout=10).json()
    assert ids[:100] == [i["id"] for i in listed["data"]]

    # The customers view pages too: ten at a time, up to all 101.
    customers = page.locator("#customers tr")
    expect(customers).to_have_count(10)
    assert load_everything(page, "#customers-more") == 10
    expect(customers).to_have_count(101)
    expect(customer(page, "oldest@example.com")).to_have_count(1)
    expect(page.locator("#customers-count")).to_have_text("101 customers.")


def test_the_polling_keeps_pages_whole_and_adds_new_invoices_once(site, watched):
    oldest = send_oldest(site)
    sent = send_many(site, 29)
    page = watched.page
    open_demo(page, site)
    expect(page.get_by_role("button", name="Load more invoices")).to_be_visible()
    first_page = shown_ids(page)
    assert oldest["id"] not in first_page
    # The oldest changes before it is shown: it waits for Load more, in its place. A shown one
    # changes too (after it, so once that one shows, the polling has brought both).
    post(site, f"/invoices/{oldest['id']}/void")
    shown = next(i for i in sent if i["id"] == first_page[0])
    post(site, f"/invoices/{shown['id']}/void")
    expect(row(page, shown["number"]).locator(".badge").first).to_have_text("void")
    expect(row(page, oldest["number"])).to_have_count(0)
    # A new invoice: on top, once.
    new = send(site, "new@example.com", "Nova New")
    expect(row(page, new["number"])).to_have_count(1)
    assert shown_ids(page)[0] == new["id"]

    load_everything(page)
    ids = shown_ids(page)
    assert len(ids) == len(set(ids)) == 31
    assert ids[0] == new["id"] and ids[-1] == oldest["id"]
    expect(row(page, oldest["number"]).locator(".badge").first).to_have_text("void")
    # A search while there is more: its own pages, and new invoices only when they match.
    page.fill("#filter-q", "bulk00")
    expect(page.locator("#invoices tr")).to_have_count(10)
    expect(page.get_by_role("button", name="Load more invoices")).to_be_hidden()
    send(site, "someone@example.com")
    late = send(site, "bulk00x@example.com")
    expect(row(page, late["number"])).to_have_count(1)
    expect(page.locator("#invoices tr")).to_have_count(11)


def test_customers_show_what_each_owes_and_filter_the_list(site, watched):
    ada = [send(site, "ada@example.com", "Ada Lovelace", quantity=q) for q in (3, 1)]
    grace = send(site, "grace@example.com", "Grace Hopper")
    alan = send(site, "alan@example.com", "Alan Turing", quantity=2)
    post(site, f"/invoices/{grace['id']}/void")
    # Alan pays, then $3.00 of it goes to his balance: credit his next invoice uses.
    post(site, f"/invoices/{alan['id']}/pay/test", {"outcome": "succeed"})
    for _ in range(100):
        shown = requests.get(f"{site.url}/invoices/{alan['id']}", timeout=10).json()
        if shown["status"] == "paid":
            break
        time.sleep(0.1)
    post(site, f"/invoices/{alan['id']}/credit-notes", {"amount": 300, "credit_amount": 300})
    assert site.emulator.deliverer.wait_idle(timeout=10)

    page = watched.page
    open_demo(page, site)
    expect(page.locator("#customers tr")).to_have_count(3)
    expect(page.locator("#customers-count")).to_have_text("3 customers.")
    expect(customer(page, "ada@example.com").locator(".c-owed")).to_have_text("$40.00")
    expect(customer(page, "ada@example.com").locator(".c-balance")).to_have_text("none")
    expect(customer(page, "ada@example.com")).to_contain_text("Ada Lovelace")
    expect(customer(page, "alan@example.com").locator(".c-owed")).to_have_text("nothing")
    expect(customer(page, "alan@example.com").locator(".c-balance")).to_have_text("credit $3.00")
    expect(customer(page, "grace@example.com").locator(".c-owed")).to_have_text("nothing")

    # Its search: the beginning of an email or of a word of the name.
    page.fill("#customer-q", "hop")
    expect(page.locator("#customers tr")).to_have_count(1)
    expect(customer(page, "grace@example.com")).to_have_count(1)
    expect(page.locator("#customers-count")).to_have_text("1 customer matches.")
    page.fill("#customer-q", "zzz")
    expect(page.locator("#customers tr")).to_have_count(0)
    expect(page.locator("#customers-count")).to_have_text("No customer matches “zzz”.")
    page.fill("#customer-q", "")
    expect(page.locator("#customers tr")).to_have_count(3)

    # Choosing Ada filters the list to her invoices, and takes the focus there.
    page.fill("#filter-q", "grace")
    expect(page.locator("#invoices tr")).to_have_count(1)
    page.get_by_role("button", name="Invoices of ada@example.com").click()
    expect(page.locator("#filter-email")).to_have_value("ada@example.com")
    expect(page.locator("#filter-q")).to_have_value("")
    expect(page.locator("#invoices tr")).to_have_count(2)
    for invoice in ada:
        expect(row(page, invoice["number"])).to_have_count(1)
    expect(page.locator("#invoices-section")).to_be_focused()
    expect(page.locator("#list-count")).to_have_text("2 invoices match.")

    # What is owed follows the invoices: a new one for Ada, one of hers void.
    send(site, "ada@example.com", "Ada Lovelace", quantity=5)
    expect(customer(page, "ada@example.com").locator(".c-owed")).to_have_text("$90.00")
    expect(page.locator("#invoices tr")).to_have_count(3)
    post(site, f"/invoices/{ada[0]['id']}/void")
    expect(customer(page, "ada@example.com").locator(".c-owed")).to_have_text("$60.00")
    # A new customer comes on top.
    send(site, "zoe@example.com", "Zoe Zed")
    expect(page.locator("#customers tr").first).to_contain_text("zoe@example.com")


def test_the_lists_fit_a_390px_phone(site, browser, tmp_path):
    send_many(site, 30)
    time.sleep(1.1)  # newer than them: the first customer listed (ties go by email)
    send(site, LONG_EMAIL, "Bartholomew Featherstonehaugh-Cholmondeley", quantity=250)
    phone = Watched(browser, tmp_path, width=PHONE)
    page = phone.page
    open_demo(page, site)
    expect(page.get_by_role("button", name="Load more invoices")).to_be_visible()
    expect(page.get_by_role("button", name="Load more customers")).to_be_visible()
    assert_fits(page)
    # The customers are cards: who on the left, what they owe on the right.
    card = customer(page, LONG_EMAIL)
    expect(card.locator(".c-owed")).to_have_text("$2,500.00")
    who, owed = card.locator(".c-customer").bounding_box(), card.locator(".c-owed").bounding_box()
    assert who["x"] + who["width"] <= owed["x"] + 1
    assert page.locator("table.customers thead").bounding_box()["height"] <= 1
    page.get_by_role("button", name="Load more invoices").click()
    expect(page.get_by_role("button", name="Load more invoices")).to_be_hidden()
    page.get_by_role("button", name="Load more customers").click()
    page.fill("#filter-q", "accounts")
    expect(page.locator("#invoices tr")).to_have_count(1)
    expect(page.get_by_role("button", name="Clear")).to_be_visible()
    assert_fits(page)
    page.get_by_role("button", name=f"Invoices of {LONG_EMAIL}").click()
    expect(page.locator("#filter-email")).to_have_value(LONG_EMAIL)
    expect(page.locator("#invoices tr")).to_have_count(1)
    assert_fits(page)
    phone.shot("lists-phone")
    for width in (800, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        assert_fits(page)
    phone.close()
