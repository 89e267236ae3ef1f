// Money back, and money outside Stripe, in the detail view: its Credit…, Refund… and Mark
// paid… buttons, the Mark paid… dialog, and the invoice's credit notes (each voidable while the
// invoice is open) and refunds (made here or in Stripe's Dashboard).
import { element, link, moment, money, request } from "./shared.js";
import { allowedActions, confirmAction } from "./actions.js";
import { clearErrors, fieldError } from "./forms.js";
import { creditable, initCredit, openCredit, refundable } from "./credit.js";
import { refresh, say, update } from "./live.js";

const REASONS = {
  duplicate: "Duplicate",
  fraudulent: "Fraudulent",
  order_change: "Order change",
  product_unsatisfactory: "Product unsatisfactory",
  requested_by_customer: "Requested by the customer",
  expired_uncaptured_charge: "Expired uncaptured charge",
};
const TYPES = { pre_payment: "before payment", post_payment: "after payment", mixed: "before and after payment" };
const REFUND_STATUS = { pending: "pending", requires_action: "needs action", succeeded: "succeeded", failed: "failed", canceled: "canceled" };
// Stripe's refund failure reasons (https://docs.stripe.com/api/refunds/object#refund_object-failure_reason).
const FAILURES = {
  charge_for_pending_refund_disputed: "the payment was disputed while the refund was pending",
  declined: "the bank declined it",
  expired_or_canceled_card: "the card has expired or was canceled",
  insufficient_funds: "not enough funds in the Stripe balance",
  lost_or_stolen_card: "the card was reported lost or stolen",
  merchant_request: "canceled on request",
  unknown: "the bank gave no reason",
};

const labelOf = (invoice) => invoice.number || invoice.id;
const $ = (id) => document.getElementById(id);

// ---- Mark paid… ----

let marking = null;

async function markPaid(event) {
  event.preventDefault();
  const invoice = marking;
  const form = $("mark-paid-form");
  if (!invoice || $("mark-paid-ok").disabled) return;
  clearErrors(form);
  const memo = $("mark-paid-memo").value.trim();
  $("mark-paid-ok").disabled = true;
  try {
    const changed = await request(`/invoices/${invoice.id}/mark-paid`, { method: "POST", body: memo ? { memo } : {} });
    $("mark-paid").close();
    update(changed);
    say(`Invoice ${labelOf(invoice)} is marked paid outside Stripe.`);
    await refresh(invoice.id);
  } catch (error) {
    fieldError(form, error.field && `mark-paid-${error.field}`, error.message);
  } finally {
    $("mark-paid-ok").disabled = false;
  }
}

function openMarkPaid(invoice) {
  marking = invoice;
  const form = $("mark-paid-form");
  form.reset();
  clearErrors(form);
  $("mark-paid-title").replaceChildren("Mark invoice ", element("span", "nowrap", labelOf(invoice)), " paid?");
  $("mark-paid").showModal();
  $("mark-paid-memo").focus();
}

// ---- The detail view's part ----

function button(invoice, action, text, onClick) {
  const made = element("button", "secondary", text);
  made.type = "button";
  made.dataset.action = action;
  made.setAttribute("aria-label", `${text.replace("…", "")} ${labelOf(invoice)}`);
  made.addEventListener("click", () => onClick(invoice));
  return made;
}

/** The detail view's actions: the row's, then Credit…, Refund… and Mark paid… where the state
 * allows (a refund needs a payment through Stripe not yet refunded, and room left to credit). */
export function detailActions(invoice) {
  const buttons = allowedActions(invoice);
  if (["open", "uncollectible", "paid"].includes(invoice.status)) {
    buttons.push(button(invoice, "credit", "Credit…", (shown) => openCredit(shown)));
  }
  if (["open", "paid"].includes(invoice.status) && refundable(invoice) > 0 && creditable(invoice) > 0) {
    buttons.push(button(invoice, "refund", "Refund…", (shown) => openCredit(shown, true)));
  }
  if (["open", "uncollectible"].includes(invoice.status)) buttons.push(button(invoice, "mark-paid", "Mark paid…", openMarkPaid));
  return buttons;
}

async function voidNote(invoice, note) {
  const number = note.number || note.id;
  const ok = await confirmAction(
    `Void credit note ${number}?`,
    `What it credited (${money(note.amount, invoice.currency)}) is owed again on invoice ${labelOf(invoice)}. Voiding is final.`,
    "Void credit note",
  );
  if (!ok) return;
  try {
    await request(`/credit-notes/${encodeURIComponent(note.id)}/void`, { method: "POST", body: {} });
    say(`Credit note ${number} is void.`);
  } catch (error) {
    say(`${number}: ${error.message}`, true);
  }
  await refresh(invoice.id);
}

/** Where a credit note's post-payment part went, in words. */
function splitText(note, currency) {
  const of = (amount) => money(amount, currency);
  return [
    note.refund_amount ? `${of(note.refund_amount)} refunded` : "",
    note.credit_amount ? `${of(note.credit_amount)} to the customer's balance` : "",
    note.out_of_band_amount ? `${of(note.out_of_band_amount)} settled outside Stripe` : "",
  ].filter(Boolean);
}

function pdfLink(href, name) {
  const pdf = link(href, "PDF", true);
  pdf.setAttribute("aria-label", `PDF of ${name}`);
  return pdf;
}

/** The invoice's credit notes, each with where its money went, its PDF and, while it can be,
 * a Void button. */
export function creditNotesList(invoice) {
  const notes = invoice.credit_notes || [];
  if (!notes.length) return element("p", "muted", "None.");
  const list = element("ul", "money-list credit-notes");
  for (const note of notes) {
    const number = note.number || note.id;
    const item = element("li");
    item.dataset.creditNote = note.id;
    item.dataset.status = note.status;
    const head = element("div", "money-head");
    head.append(
      element("strong", "nowrap", number),
      element("span", "num", money(note.amount, invoice.currency)),
      element("span", `badge badge-cn-${note.status}`, note.status),
    );
    const about = [TYPES[note.type] || note.type, REASONS[note.reason] || note.reason, ...splitText(note, invoice.currency)];
    item.append(head, element("p", "money-meta", about.filter(Boolean).join(" · ")));
    if (note.memo) item.append(element("p", "money-meta credit-note-memo", note.memo));
    const tools = element("div", "money-tools");
    if (note.pdf) tools.append(pdfLink(note.pdf, `credit note ${number}`));
    if (note.status === "issued" && invoice.status === "open") {
      const voiding = element("button", "secondary compact", "Void");
      voiding.type = "button";
      voiding.setAttribute("aria-label", `Void credit note ${number}`);
      voiding.addEventListener("click", () => voidNote(invoice, note));
      tools.append(voiding);
    }
    if (tools.children.length) item.append(tools);
    list.append(item);
  }
  return list;
}

/** The invoice's refunds: amount, status, why one failed, and by which credit note, or "made
 * in Stripe" for one made outside this server (Stripe's Dashboard, say). */
export function refundsList(invoice) {
  const list = element("ul", "money-list refunds");
  const notes = new Map((invoice.credit_notes || []).map((note) => [note.id, note]));
  for (const refund of invoice.refunds || []) {
    const item = element("li");
    item.dataset.refund = refund.id;
    item.dataset.status = refund.status;
    const head = element("div", "money-head");
    const status = REFUND_STATUS[refund.status] || refund.status;
    head.append(
      element("strong", "num", money(refund.amount, invoice.currency)),
      element("span", `badge badge-refund-${refund.status}`, status),
    );
    if (!refund.credit_note) head.append(element("span", "badge badge-made-in-stripe", "made in Stripe"));
    const note = refund.credit_note && notes.get(refund.credit_note);
    const about = [
      moment(refund.created),
      note ? `by credit note ${note.number || note.id}` : refund.credit_note ? `by credit note ${refund.credit_note}` : "without a credit note",
      REASONS[refund.reason] || refund.reason,
    ];
    item.append(head, element("p", "money-meta", about.filter(Boolean).join(" · ")));
    if (refund.status === "failed") {
      const why = FAILURES[refund.failure_reason] || refund.failure_reason || "no reason given";
      item.append(element("p", "money-failure", `Failed: ${why}. The amount went back to your Stripe balance: give it back another way.`));
    }
    if (note && note.pdf) {
      const tools = element("div", "money-tools");
      tools.append(pdfLink(note.pdf, `credit note ${note.number || note.id} (refund)`));
      item.append(tools);
    }
    list.append(item);
  }
  return list;
}

/** Wire the two dialogs once. */
export function initMoney() {
  initCredit();
  $("mark-paid-form").addEventListener("submit", markPaid);
  $("mark-paid-cancel").addEventListener("click", () => $("mark-paid").close());
}
