// One invoice in a dialog, opened by its URL hash (`#in_...`): who is billed, lines, totals,
// due date, payments, reminders, the events timeline and links; it follows the invoice while
// open.
import { day, element, link, moment, money, overdueText, request, statusBadges } from "./shared.js";
import { customerPairs, lineAmount, totalsPairs } from "./billing.js";
import { creditNotesList, detailActions, refundsList } from "./money.js";
import { onChange } from "./live.js";

const dialog = document.getElementById("detail");
const body = document.getElementById("detail-body");
const ID = /^in_[A-Za-z0-9_]{1,250}$/;
let shown = null; // the id in the dialog
let opener = null;
let reload = null;

// Events are stamped to the second; within one, the invoice's life gives the order.
const LIFE = ["invoice.created", "invoice.finalized", "invoice.sent", "payment_intent.processing"];
const rank = (type) => (LIFE.includes(type) ? LIFE.indexOf(type) : LIFE.length);

// Received for the invoice but about its customer (a balance moved, say): not its own story.
const UNSHOWN = new Set(["customer.updated"]);

const EVENTS = {
  "invoice.created": "Created as a draft",
  "invoice.finalized": "Finalized",
  "invoice.sent": "Sent to the customer",
  "invoice.paid": "Paid",
  "invoice.payment_succeeded": "Payment succeeded",
  "invoice.payment_failed": "Payment failed",
  "invoice.voided": "Voided",
  "invoice.marked_uncollectible": "Marked uncollectible",
  "invoice.updated": "Amounts updated",
  "invoice.paid_out_of_band": "Paid outside Stripe",
  "credit_note.created": "Credit note issued",
  "credit_note.updated": "Credit note updated",
  "credit_note.voided": "Credit note voided",
  "charge.refunded": "Charge refunded",
  "charge.refund.updated": "Refund updated",
  "refund.created": "Refund made",
  "refund.updated": "Refund updated",
  "refund.failed": "Refund failed",
  "invoice_payment.paid": "Payment received",
  "payment_intent.processing": "Payment processing",
  "payment_intent.succeeded": "Payment succeeded",
  "payment_intent.payment_failed": "Payment failed",
};

function facts(pairs) {
  const list = element("dl", "facts");
  for (const [term, value] of pairs) {
    const dd = element("dd");
    dd.append(value);
    list.append(element("dt", "", term), dd);
  }
  return list;
}

function dueText(invoice) {
  const date = day(invoice.due_date);
  return invoice.overdue ? `${date} (${overdueText(invoice.days_overdue)})` : date;
}

function remindersText(invoice) {
  if (!invoice.reminder_count) return "None sent";
  return `${invoice.reminder_count} sent, the last at ${moment(invoice.reminded_at)}`;
}

// The money facts: Stripe's totals when a discount or tax made them (or a balance changed what
// is due), what the customer's balance gave or added, what was paid, refunded, credited and
// paid outside Stripe, and what remains.
function amounts(invoice) {
  const of = (amount) => money(amount, invoice.currency);
  const balance = invoice.starting_balance || 0;
  const pairs = totalsPairs(invoice);
  if (balance) {
    if (!pairs.length) pairs.push(["Total", of(invoice.total)]);
    pairs.push(balance < 0 ? ["Customer credit used", of(-balance)] : ["Owed from before", of(balance)]);
  }
  pairs.push(["Paid", of(invoice.amount_paid)]);
  if (invoice.amount_refunded) pairs.push(["Refunded", of(invoice.amount_refunded)]);
  if (invoice.amount_credited) pairs.push(["Credited", of(invoice.amount_credited)]);
  if (invoice.amount_paid_off_stripe) {
    pairs.push(["Paid outside Stripe", [of(invoice.amount_paid_off_stripe), invoice.paid_off_stripe_memo].filter(Boolean).join(" · ")]);
  }
  pairs.push(["Remaining", of(invoice.amount_remaining ?? invoice.amount_due)]);
  return pairs;
}

function linesTable(invoice) {
  const table = element("table", "lines");
  const head = element("thead");
  head.innerHTML = '<tr><th scope="col">Item</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Amount</th></tr>';
  const rows = element("tbody");
  for (const line of invoice.lines || []) {
    const row = element("tr");
    row.append(
      element("td", "", line.description),
      element("td", "num", String(line.quantity)),
      lineAmount(line, invoice.currency),
    );
    rows.append(row);
  }
  table.append(head, rows);
  return table;
}

function timeline(invoice) {
  const list = element("ol", "timeline");
  const events = (invoice.events || []).filter((event) => !UNSHOWN.has(event.type)).sort((a, b) => a.created - b.created || rank(a.type) - rank(b.type));
  for (const event of events) {
    const item = element("li");
    item.append(element("time", "", moment(event.created, true)), " ", element("span", "", EVENTS[event.type] || event.type));
    item.append(" ", element("code", "", event.type));
    list.append(item);
  }
  if (!list.children.length) return element("p", "muted", "No events received yet.");
  return list;
}

function render(invoice) {
  const label = invoice.number || invoice.id;
  // The number kept whole: a phone would break it at its hyphen.
  document.getElementById("detail-title").replaceChildren("Invoice ", element("span", "nowrap", label));
  const head = element("p", "detail-amount");
  head.append(element("strong", "", money(invoice.amount_due, invoice.currency)), " ", ...statusBadges(invoice));
  const links = element("p", "links");
  if (invoice.hosted_invoice_url) links.append(link(invoice.hosted_invoice_url, "Hosted invoice page", true));
  if (invoice.invoice_pdf) links.append(link(invoice.invoice_pdf, "PDF", true));
  links.append(link(`/invoices/${invoice.id}/pay`, "Pay page"));
  const actions = element("div", "dialog-actions start");
  actions.append(...detailActions(invoice));
  // Redrawn under the keyboard, the focus stays on the same control (or the Close button).
  const focused = body.contains(document.activeElement) ? document.activeElement.getAttribute("aria-label") || "" : null;
  body.replaceChildren(
    head,
    facts([
      ["Billed to", invoice.customer_name ? `${invoice.customer_name} <${invoice.email}>` : invoice.email],
      ...customerPairs(invoice),
      ["Due", dueText(invoice)],
      ...amounts(invoice),
      ["Last payment", invoice.payment || "none yet"],
      ["Reminders", remindersText(invoice)],
      ["Created", moment(invoice.created)],
      ...(invoice.description ? [["Memo", element("span", "pre-line", invoice.description)]] : []),
      ...(invoice.footer ? [["Footer", element("span", "pre-line", invoice.footer)]] : []),
    ]),
    element("h3", "", "Lines"),
    linesTable(invoice),
    ...(invoice.credit_notes && invoice.credit_notes.length ? [element("h3", "", "Credit notes"), creditNotesList(invoice)] : []),
    ...(invoice.refunds && invoice.refunds.length ? [element("h3", "", "Refunds"), refundsList(invoice)] : []),
    element("h3", "", "Timeline"),
    timeline(invoice),
    links,
    actions,
  );
  if (focused !== null) {
    const same = [...body.querySelectorAll("[aria-label]")].find((control) => control.getAttribute("aria-label") === focused);
    (same || document.getElementById("detail-close")).focus();
  }
}

async function show(id) {
  shown = id;
  if (!dialog.open) {
    opener = document.activeElement;
    body.replaceChildren(element("p", "muted", "Loading…"));
    dialog.showModal();
  }
  try {
    const invoice = await request(`/invoices/${encodeURIComponent(id)}`);
    if (shown === id) render(invoice);
  } catch (error) {
    if (shown !== id) return;
    document.getElementById("detail-title").textContent = "Invoice";
    body.replaceChildren(element("p", "error", error.message));
  }
}

function route() {
  // An id is letters, digits and underscores, so the raw hash is matched as it is: decoding
  // it first would throw on a stray `%` (`/#%`) and stop the page's script.
  const id = location.hash.slice(1);
  if (ID.test(id)) show(id);
  else if (dialog.open) dialog.close();
}

/** Open the detail view from the URL hash, now and on every change of it. */
export function initDetail() {
  window.addEventListener("hashchange", route);
  dialog.addEventListener("close", () => {
    // The event comes a moment after the view closed: an invoice asked for by its hash in
    // between has opened it again, or is about to. Then the view and that hash are its own.
    const asked = location.hash.slice(1);
    if (dialog.open || (ID.test(asked) && asked !== shown)) return;
    shown = null;
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    if (opener && opener.isConnected) opener.focus();
  });
  // While open, it follows the invoice (a payment, a reminder, new events).
  onChange((invoice) => {
    if (invoice.id !== shown) return;
    clearTimeout(reload);
    reload = setTimeout(() => shown === invoice.id && show(invoice.id), 200);
  });
  route();
}
