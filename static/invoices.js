// The invoice list: rows filtered by status and email, kept live by polling `?since=`.
import { day, element, link, money, request, statusBadges } from "./shared.js";
import { rowActions } from "./actions.js";
import { knownInvoice, onChange, say, update } from "./live.js";

const POLL_MS = 1500;
const body = document.getElementById("invoices");
const rows = new Map(); // invoice id → its table row
const filter = { status: "", email: "" };
let cursor = null;

function matches(invoice) {
  if (filter.email && invoice.email !== filter.email.toLowerCase()) return false;
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

// Rows stay newest first: a new row, or one that starts to match the filter, goes above the
// first row not newer than it.
function placeRow(invoice) {
  let row = rows.get(invoice.id);
  if (!matches(invoice)) {
    if (row) row.remove();
    rows.delete(invoice.id);
  } else {
    if (!row) {
      row = document.createElement("tr");
      rows.set(invoice.id, row);
      const later = [...body.children].find((r) => knownInvoice(r.dataset.invoice).created <= invoice.created);
      body.insertBefore(row, later || null);
    }
    fillRow(row, invoice);
  }
  document.getElementById("list-empty").hidden = rows.size > 0;
}

/** Load the list for the current filter (the status and the email). */
export async function loadInvoices() {
  const params = new URLSearchParams();
  if (filter.status) params.set("status", filter.status);
  if (filter.email) params.set("email", filter.email);
  const page = await request(`/invoices${params.toString() ? `?${params}` : ""}`);
  rows.clear();
  body.replaceChildren();
  // Oldest first, each above the rows already there: the server's order, ties included.
  for (const invoice of page.data.reverse()) {
    if (!update(invoice)) placeRow(knownInvoice(invoice.id));
  }
  document.getElementById("list-empty").hidden = rows.size > 0;
  if (cursor === null) cursor = page.cursor;
  say("");
}

/** Poll every change since the last answer, whatever the filter, so that every view follows
 * (the filter applies on the page). */
export function follow() {
  let failing = false;
  async function poll() {
    let more = false;
    try {
      if (cursor === null) {
        await loadInvoices();
      } else {
        const page = await request(`/invoices?since=${encodeURIComponent(cursor)}`);
        // In the order they changed, so that new rows stack up newest on top.
        for (const invoice of page.data) update(invoice);
        cursor = page.cursor;
        more = page.has_more; // a full page: the rest at once
      }
      if (failing) say("");
      failing = false;
    } catch (error) {
      failing = true;
      say(`Could not refresh the list: ${error.message}`, true);
    } finally {
      setTimeout(poll, more ? 0 : POLL_MS);
    }
  }
  setTimeout(poll, POLL_MS);
}

onChange(placeRow);

/** Wire the filter form: the status applies as soon as it is chosen. */
export function initFilter() {
  const form = document.getElementById("filter-form");
  const status = document.getElementById("filter-status");
  const apply = async () => {
    filter.status = status.value;
    filter.email = document.getElementById("filter-email").value.trim();
    try {
      await loadInvoices();
    } catch (error) {
      say(`Could not load the invoices: ${error.message}`, true);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  status.addEventListener("change", apply);
}
