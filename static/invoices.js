// The invoice list: a page at a time ("Load more" for the next), searched and filtered by status
// and email, kept live by polling `?since=`.
import { day, element, link, money, request, statusBadges } from "./shared.js";
import { rowActions } from "./actions.js";
import { knownInvoice, onChange, say, update } from "./live.js";

const POLL_MS = 1500;
// Small pages: the first answer comes quickly, and Load more has something to do at 30 invoices.
const PAGE = 25;
const SEARCH_MS = 250; // the pause in typing after which a search is sent
const body = document.getElementById("invoices");
const rows = new Map(); // invoice id → its table row
const filter = { status: "", email: "", q: "" };
const more = document.getElementById("list-more");
let cursor = null;
// The last invoice of the pages loaded (the next page starts after it), and whether the server
// has more. Older invoices are left to Load more, even when the polling brings them first.
let last = null;
let hasMore = false;
let loads = 0; // answers to an earlier search or filter are dropped
let shownLoad = 0; // the load whose rows are shown (Load more waits for a pending one)
let takingPage = false; // rows of a page go below their ties, as the server ordered them

/** Whether an invoice matches a search as `?q=` does: the beginning of its number, its email or
 * a word of the customer's name, in any case. */
function found(invoice, q) {
  const prefix = q.toLowerCase();
  const name = (invoice.customer_name || "").toLowerCase();
  return (
    (invoice.number || "").toLowerCase().startsWith(prefix) ||
    invoice.email.toLowerCase().startsWith(prefix) ||
    name.startsWith(prefix) ||
    name.includes(` ${prefix}`)
  );
}

function matches(invoice) {
  if (filter.email && invoice.email !== filter.email.toLowerCase()) return false;
  if (filter.q && !found(invoice, filter.q)) return false;
  if (filter.status === "overdue") return invoice.overdue;
  return !filter.status || invoice.status === filter.status;
}

function fillRow(row, invoice) {
  const label = invoice.number || invoice.id;
  const number = element("td", "c-number");
  const open = link(`#${invoice.id}`, label);
  open.setAttribute("aria-label", `Details of ${label}`);
  number.append(open);
  const email = element("td", "c-email");
  if (invoice.customer_name) {
    const name = element("span", "truncate customer-name", invoice.customer_name);
    name.title = invoice.customer_name;
    email.append(name);
  }
  const address = element("span", "truncate", invoice.email);
  address.title = invoice.email;
  email.append(address);
  const amount = element("td", "c-amount num", money(invoice.amount_due, invoice.currency));
  const due = element("td", "c-due");
  due.append(element("time", "", day(invoice.due_date)));
  const status = element("td", "c-status");
  status.append(...statusBadges(invoice));
  const actions = element("td", "c-actions");
  actions.append(...rowActions(invoice));
  // A row redrawn under the keyboard keeps the focus, on its menu button.
  const focused = row.contains(document.activeElement);
  row.replaceChildren(number, email, amount, due, status, actions);
  if (focused) actions.querySelector("summary").focus();
  row.dataset.invoice = invoice.id;
  row.dataset.status = invoice.status;
}

// Rows stay newest first. A row of a page goes below the rows as new as it (the server's order,
// ties included); a new row, or one that starts to match the filter, goes above them.
function placeRow(invoice) {
  let row = rows.get(invoice.id);
  if (!matches(invoice)) {
    if (row) row.remove();
    rows.delete(invoice.id);
  } else if (row || takingPage || !beyondPages(invoice)) {
    if (!row) {
      row = document.createElement("tr");
      rows.set(invoice.id, row);
      const created = (r) => knownInvoice(r.dataset.invoice).created;
      const below = takingPage
        ? [...body.children].find((r) => created(r) < invoice.created)
        : [...body.children].find((r) => created(r) <= invoice.created);
      body.insertBefore(row, below || null);
    }
    fillRow(row, invoice);
  }
  if (!takingPage) showCount(); // a page says its count once, when it is all in
}

// Older than every page loaded while the server has more: Load more brings it in its place.
function beyondPages(invoice) {
  return hasMore && last !== null && invoice.created < last.created;
}

const plural = (n) => (n === 1 ? "1 invoice" : `${n} invoices`);

/** What the list shows, in words: "4 invoices.", "1 invoice matches.", "No invoice matches
 * “zzz”.", "The newest 25 invoices; Load more shows the next." */
function countText() {
  const filtered = filter.status || filter.email;
  const n = rows.size;
  if (!n && hasMore) return "None of these match any more; Load more shows older ones.";
  if (!n && filter.q) return `No invoice matches “${filter.q}”${filtered ? " with these filters" : ""}.`;
  if (!n) return filtered ? "No invoice matches these filters." : "No invoices here yet.";
  const matching = filter.q || filtered;
  if (hasMore) return `The newest ${plural(n)}${matching ? " that match" : ""}; Load more shows the next.`;
  return `${plural(n)}${matching ? (n === 1 ? " matches" : " match") : ""}.`;
}

/** The count, in a live region: written (and so said) only when it changes. */
function showCount() {
  const count = document.getElementById("list-count");
  const text = countText();
  if (count.textContent !== text) count.textContent = text;
  more.hidden = !hasMore;
}

function query(after) {
  const params = new URLSearchParams({ limit: PAGE });
  if (filter.q) params.set("q", filter.q);
  if (filter.status) params.set("status", filter.status);
  if (filter.email) params.set("email", filter.email);
  if (after) params.set("starting_after", after);
  return `/invoices?${params}`;
}

// A page from the server, newest first: each invoice to every view, and the rows in the
// server's order after the last one loaded. A row the polling placed early (of the same second
// as that one, so its place among its ties was a guess) moves down to where the server has it.
function takePage(page) {
  let previous = last && rows.get(last.id);
  takingPage = true;
  try {
    for (const invoice of page.data) {
      if (!update(invoice)) placeRow(knownInvoice(invoice.id));
      const row = rows.get(invoice.id);
      if (!row) continue;
      if (previous && previous.nextElementSibling !== row) previous.after(row);
      previous = row;
    }
  } finally {
    takingPage = false;
  }
  if (page.data.length) last = page.data[page.data.length - 1];
  hasMore = page.has_more;
  showCount();
}

/** Load the list's first page for the current search and filters (the status and the email). */
export async function loadInvoices() {
  const load = ++loads;
  const page = await request(query(null));
  if (load !== loads) return;
  shownLoad = load;
  rows.clear();
  body.replaceChildren();
  last = null;
  hasMore = false;
  takePage(page);
  if (cursor === null) cursor = page.cursor;
  say("");
}

/** The next page: after the last invoice loaded, with the same search and filters. */
async function loadMore() {
  if (!last || shownLoad !== loads) return;
  const load = loads;
  more.disabled = true;
  more.textContent = "Loading…";
  try {
    const page = await request(query(last.id));
    if (load === loads) takePage(page);
  } catch (error) {
    say(`Could not load more invoices: ${error.message}`, true);
  } finally {
    more.disabled = false;
    more.textContent = "Load more invoices";
  }
}

/** Poll every change since the last answer, whatever the search and filters, so that every
 * view follows (the search and filters apply on the page). */
export function follow() {
  let failing = false;
  async function poll() {
    let full = false;
    try {
      if (cursor === null) {
        await loadInvoices();
      } else {
        const page = await request(`/invoices?since=${encodeURIComponent(cursor)}`);
        // In the order they changed, so that new rows stack up newest on top.
        for (const invoice of page.data) update(invoice);
        cursor = page.cursor;
        full = page.has_more; // a full page: the rest at once
      }
      if (failing) say("");
      failing = false;
    } catch (error) {
      failing = true;
      say(`Could not refresh the list: ${error.message}`, true);
    } finally {
      setTimeout(poll, full ? 0 : POLL_MS);
    }
  }
  setTimeout(poll, POLL_MS);
}

onChange(placeRow);

async function apply() {
  filter.status = document.getElementById("filter-status").value;
  filter.email = document.getElementById("filter-email").value.trim();
  filter.q = document.getElementById("filter-q").value.trim();
  document.getElementById("filter-clear").hidden = !(filter.q || filter.status || filter.email);
  try {
    await loadInvoices();
  } catch (error) {
    say(`Could not load the invoices: ${error.message}`, true);
  }
}

/** Show a customer's invoices: the list filtered by their email, with no search. */
export function showInvoicesOf(email) {
  document.getElementById("filter-email").value = email;
  document.getElementById("filter-q").value = "";
  apply();
  // Where the list is, for the keyboard and the eye; its count line says what it found.
  document.getElementById("invoices-section").focus();
}

/** Wire the search and the filter form: the search applies after a pause in typing, the status
 * as soon as it is chosen, the email with Filter; Clear empties all three. */
export function initFilter() {
  const form = document.getElementById("filter-form");
  let pause = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(pause);
    apply();
  });
  form.addEventListener("reset", () => {
    clearTimeout(pause);
    // After the form has emptied its fields.
    setTimeout(apply);
  });
  document.getElementById("filter-status").addEventListener("change", apply);
  document.getElementById("filter-q").addEventListener("input", () => {
    clearTimeout(pause);
    pause = setTimeout(apply, SEARCH_MS);
  });
  more.addEventListener("click", loadMore);
}
