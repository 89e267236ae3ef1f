// The customers: what each one's open invoices owe per currency, and their balance at Stripe, a
// page at a time and searched; choosing one shows their invoices in the list.
import { element, money, request } from "./shared.js";
import { onChange } from "./live.js";
import { showInvoicesOf } from "./invoices.js";

const PAGE = 10; // a short list under the invoices; Load more for the rest
const MOST = 100; // the most one answer holds
const SEARCH_MS = 250;
const body = document.getElementById("customers");
const more = document.getElementById("customers-more");
const search = document.getElementById("customer-q");
let shown = []; // the customers listed, in the server's order
let q = "";
let hasMore = false;
// Answers to an earlier search are dropped; Load more waits until a new search is shown.
let searches = 0;
let shownSearch = 0;
let refreshes = 0; // only the latest refresh counts
let typing = null;
let refreshing = null;

/** Stripe's sign: a negative balance is credit the customer's next invoice uses; a positive
 * one is owed from before and added to it. */
function balanceText(customer) {
  if (!customer.balance || !customer.currency) return "none";
  const amount = money(Math.abs(customer.balance), customer.currency);
  return customer.balance < 0 ? `credit ${amount}` : `${amount} owed from before`;
}

function customerRow(customer) {
  const row = element("tr");
  row.dataset.customer = customer.id;
  const who = element("td", "c-customer");
  if (customer.name) who.append(element("span", "customer-name", customer.name));
  const choose = element("button", "link-button", customer.email);
  choose.type = "button";
  // The visible email is part of the name, so speech and sight agree.
  choose.setAttribute("aria-label", `Invoices of ${customer.email}`);
  choose.title = "Show their invoices in the list";
  choose.addEventListener("click", () => showInvoicesOf(customer.email));
  who.append(choose);
  const owed = element("td", "c-owed num");
  const amounts = customer.owed.map((o) => element("span", "owed", money(o.amount, o.currency)));
  owed.append(...(amounts.length ? amounts : [element("span", "muted", "nothing")]));
  const balance = element("td", "c-balance num", balanceText(customer));
  balance.classList.toggle("zero", !customer.balance);
  balance.classList.toggle("credit", customer.balance < 0);
  row.append(who, owed, balance);
  return row;
}

const plural = (n) => (n === 1 ? "1 customer" : `${n} customers`);

function render() {
  // A redraw under the keyboard keeps the focus on the same customer's button.
  const focused = document.activeElement && document.activeElement.closest("#customers tr");
  const focusedId = focused ? focused.dataset.customer : null;
  body.replaceChildren(...shown.map(customerRow));
  if (focusedId) {
    const again = body.querySelector(`tr[data-customer="${CSS.escape(focusedId)}"] button`);
    if (again) again.focus();
  }
  let text;
  if (!shown.length) text = q ? `No customer matches “${q}”.` : "No customers yet.";
  else if (hasMore) text = `The newest ${plural(shown.length)}${q ? " that match" : ""}; Load more shows the next.`;
  else text = `${plural(shown.length)}${q ? (shown.length === 1 ? " matches" : " match") : ""}.`;
  const count = document.getElementById("customers-count");
  if (count.textContent !== text) count.textContent = text;
  more.hidden = !hasMore;
}

function query(limit, after) {
  const params = new URLSearchParams({ limit });
  if (q) params.set("q", q);
  if (after) params.set("starting_after", after);
  return `/customers?${params}`;
}

/** The first `count` customers for the search, in pages of at most MOST. */
async function firstCustomers(count) {
  const found = [];
  let further = true;
  while (further && found.length < count) {
    const after = found.length ? found[found.length - 1].id : null;
    const page = await request(query(Math.min(MOST, count - found.length), after));
    found.push(...page.data);
    further = page.has_more;
  }
  return { found, further };
}

function failed(message) {
  document.getElementById("customers-error").textContent = message;
}

/** A new search (or the first load): its first page. */
async function searchCustomers() {
  const at = ++searches;
  try {
    const { found, further } = await firstCustomers(PAGE);
    if (at !== searches) return;
    shownSearch = at;
    shown = found;
    hasMore = further;
    failed("");
    render();
  } catch (failure) {
    if (at === searches) failed(`Could not load the customers: ${failure.message}`);
  }
}

/** What is owed again, for as many customers as are shown. A page that Load more brought in
 * the meantime stays below them (merged by id). */
async function refresh() {
  const at = searches;
  if (shownSearch !== at) return; // the pending search brings the latest anyway
  const count = Math.max(shown.length, PAGE);
  const mine = ++refreshes;
  try {
    const { found, further } = await firstCustomers(count);
    if (at !== searches || mine !== refreshes) return;
    const ids = new Set(found.map((c) => c.id));
    const since = shown.slice(count).filter((c) => !ids.has(c.id));
    const next = [...found, ...since];
    const nextMore = since.length ? hasMore : further;
    // Rows redrawn for nothing could swallow a click on them: only a change redraws.
    if (nextMore === hasMore && JSON.stringify(next) === JSON.stringify(shown)) return;
    shown = next;
    hasMore = nextMore;
    render();
  } catch {
    // The next change tries again; the rows shown stay as they were.
  }
}

/** The next page, after the last customer shown. */
async function loadMore() {
  if (!shown.length || shownSearch !== searches) return;
  const at = searches;
  more.disabled = true;
  more.textContent = "Loading…";
  try {
    const page = await request(query(PAGE, shown[shown.length - 1].id));
    if (at !== searches) return;
    // By id: a customer new since the first page can push one already shown into this one.
    const ids = new Set(shown.map((c) => c.id));
    shown.push(...page.data.filter((c) => !ids.has(c.id)));
    hasMore = page.has_more;
    render();
  } catch (failure) {
    failed(`Could not load more customers: ${failure.message}`);
  } finally {
    more.disabled = false;
    more.textContent = "Load more customers";
  }
}

/** Load the first page. */
export function loadCustomers() {
  return searchCustomers();
}

/** Wire the search and Load more; what is owed follows the invoices (a burst of changes
 * reloads once, as many customers as are shown). */
export function initCustomers() {
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      q = search.value.trim();
      searchCustomers();
    }, SEARCH_MS);
  });
  document.getElementById("customer-search").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    q = search.value.trim();
    searchCustomers();
  });
  more.addEventListener("click", loadMore);
  onChange(() => {
    clearTimeout(refreshing);
    refreshing = setTimeout(refresh, 500);
  });
}
