// Money back, and money outside Stripe, from the detail view: credit an invoice (with Stripe's
// preview of what the credit note would do), mark it paid outside Stripe, and its credit notes
// (each voidable while the invoice is open).
import { element, link, minorDigits, money, request, toMinor } from "./shared.js";
import { allowedActions, confirmAction } from "./actions.js";
import { say, update } from "./live.js";

const PREVIEW_MS = 350;
const REASONS = {
  duplicate: "Duplicate",
  fraudulent: "Fraudulent",
  order_change: "Order change",
  product_unsatisfactory: "Product unsatisfactory",
};
const TYPES = { pre_payment: "before payment", post_payment: "after payment", mixed: "before and after payment" };

const labelOf = (invoice) => invoice.number || invoice.id;
const $ = (id) => document.getElementById(id);

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `page-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Fetch the invoice again and hand it to every view (the list, the panel, the detail view). */
async function refresh(invoiceId) {
  try {
    update(await request(`/invoices/${encodeURIComponent(invoiceId)}`));
  } catch {
    // The list's polling brings it soon anyway.
  }
}

// A form's errors: each by the field it names (`credit-amount-error`), or the form's own line.
function clearErrors(prefix, form) {
  for (const line of form.querySelectorAll(".error")) line.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  $(`${prefix}-form-error`).textContent = "";
}

function showError(prefix, field, message) {
  const name = field === "out_of_band_amount" || field === "lines" ? "amount" : field;
  const line = name && $(`${prefix}-${name}-error`);
  if (!line) {
    $(`${prefix}-form-error`).textContent = message;
    return;
  }
  line.textContent = message;
  $(`${prefix}-${name}`).setAttribute("aria-invalid", "true");
}

// ---- Credit… ----

const credit = {
  invoice: null,
  key: null,
  timer: null,
  asked: 0, // the number of the latest preview asked for; older answers are dropped
  busy: false,
};

function creditBody() {
  const invoice = credit.invoice;
  const amount = toMinor($("credit-amount").value, invoice.currency);
  const body = { amount };
  const reason = $("credit-reason").value;
  const memo = $("credit-memo").value.trim();
  if (reason) body.reason = reason;
  if (memo) body.memo = memo;
  if (invoice.status === "paid") body.out_of_band_amount = amount;
  return body;
}

function amountProblem() {
  const text = $("credit-amount").value.trim();
  if (!text) return "Enter the amount to credit.";
  const amount = toMinor(text, credit.invoice.currency);
  const digits = minorDigits(credit.invoice.currency);
  if (amount === null) {
    return digits ? `Enter an amount like 12.50 (at most ${digits} decimals).` : "Enter a whole amount, like 1200: this currency has no decimals.";
  }
  if (amount < 1) return "Enter an amount above zero.";
  return "";
}

function previewText(note, invoice) {
  const of = (amount) => money(amount, invoice.currency);
  if (note.out_of_band_amount && !note.pre_payment_amount) {
    return `Stripe would issue a credit note of ${of(note.amount)}, settled outside Stripe: no money moves through Stripe.`;
  }
  const owed = invoice.amount_remaining ?? invoice.amount_due;
  const parts = [`Stripe would lower the amount owed by ${of(note.pre_payment_amount)}, to ${of(Math.max(owed - note.pre_payment_amount, 0))}.`];
  if (note.out_of_band_amount) parts.push(`${of(note.out_of_band_amount)} is settled outside Stripe.`);
  return parts.join(" ");
}

async function preview() {
  const asked = ++credit.asked;
  const invoice = credit.invoice;
  const out = $("credit-preview");
  const problem = amountProblem();
  if (problem) {
    out.textContent = "";
    // Only say so once something was typed: an empty field is not yet a mistake.
    if ($("credit-amount").value.trim()) showError("credit", "amount", problem);
    return;
  }
  out.textContent = "Asking Stripe…";
  try {
    const note = await request(`/invoices/${invoice.id}/credit-notes/preview`, { method: "POST", body: creditBody() });
    if (asked !== credit.asked) return;
    out.textContent = previewText(note, invoice);
  } catch (error) {
    if (asked !== credit.asked) return;
    out.textContent = "";
    showError("credit", error.field, error.message);
  }
}

function creditChanged(event) {
  // Another body is another credit note meant: a new key (a repeat of the same is replayed).
  credit.key = newKey();
  clearErrors("credit", $("credit-form"));
  if (event.target.id !== "credit-amount") return;
  clearTimeout(credit.timer);
  credit.asked++;
  $("credit-preview").textContent = "";
  credit.timer = setTimeout(preview, PREVIEW_MS);
}

async function issueCredit(event) {
  event.preventDefault();
  if (credit.busy) return;
  const invoice = credit.invoice;
  clearErrors("credit", $("credit-form"));
  const problem = amountProblem();
  if (problem) {
    showError("credit", "amount", problem);
    $("credit-amount").focus();
    return;
  }
  credit.busy = true;
  $("credit-ok").disabled = true;
  try {
    const note = await request(`/invoices/${invoice.id}/credit-notes`, {
      method: "POST",
      body: creditBody(),
      headers: { "Idempotency-Key": credit.key },
    });
    $("credit").close();
    say(`Credit note ${note.number || note.id} of ${money(note.amount, invoice.currency)} issued for ${labelOf(invoice)}.`);
    await refresh(invoice.id);
  } catch (error) {
    showError("credit", error.field, error.message);
    const input = error.field && $(`credit-${error.field === "out_of_band_amount" ? "amount" : error.field}`);
    if (input) input.focus();
  } finally {
    credit.busy = false;
    $("credit-ok").disabled = false;
  }
}

function openCredit(invoice) {
  const dialog = $("credit");
  const form = $("credit-form");
  credit.invoice = invoice;
  credit.key = newKey();
  credit.asked++;
  clearTimeout(credit.timer);
  form.reset();
  clearErrors("credit", form);
  $("credit-preview").textContent = "";
  // The number kept whole: a phone would break it at its hyphen.
  $("credit-title").replaceChildren("Credit invoice ", element("span", "nowrap", labelOf(invoice)));
  const currency = invoice.currency.toUpperCase();
  const digits = minorDigits(invoice.currency);
  $("credit-currency").textContent = `(${currency})`;
  const example = digits ? (12.5).toFixed(digits) : "1200";
  $("credit-amount").placeholder = example;
  $("credit-amount-hint").textContent = digits
    ? `In ${currency}, with up to ${digits} decimals, like ${example}.`
    : `In whole ${currency}, like ${example}: this currency has no decimals.`;
  $("credit-paid").hidden = invoice.status !== "paid";
  dialog.showModal();
  $("credit-amount").focus();
}

// ---- Mark paid… ----

let marking = null;

async function markPaid(event) {
  event.preventDefault();
  const invoice = marking;
  if (!invoice || $("mark-paid-ok").disabled) return;
  clearErrors("mark-paid", $("mark-paid-form"));
  const memo = $("mark-paid-memo").value.trim();
  $("mark-paid-ok").disabled = true;
  try {
    const changed = await request(`/invoices/${invoice.id}/mark-paid`, { method: "POST", body: memo ? { memo } : {} });
    $("mark-paid").close();
    update(changed);
    say(`Invoice ${labelOf(invoice)} is marked paid outside Stripe.`);
    await refresh(invoice.id);
  } catch (error) {
    showError("mark-paid", error.field, error.message);
  } finally {
    $("mark-paid-ok").disabled = false;
  }
}

function openMarkPaid(invoice) {
  marking = invoice;
  const form = $("mark-paid-form");
  form.reset();
  clearErrors("mark-paid", form);
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

/** The detail view's actions: the row's, then Credit… and Mark paid… where the state allows. */
export function detailActions(invoice) {
  const buttons = allowedActions(invoice);
  if (["open", "uncollectible", "paid"].includes(invoice.status)) buttons.push(button(invoice, "credit", "Credit…", openCredit));
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

/** The invoice's credit notes, each with its PDF and, while it can be, a Void button. */
export function creditNotesList(invoice) {
  const notes = invoice.credit_notes || [];
  if (!notes.length) return element("p", "muted", "None.");
  const list = element("ul", "credit-notes");
  for (const note of notes) {
    const number = note.number || note.id;
    const item = element("li");
    item.dataset.creditNote = note.id;
    item.dataset.status = note.status;
    const head = element("div", "credit-note-head");
    head.append(
      element("strong", "nowrap", number),
      element("span", "num", money(note.amount, invoice.currency)),
      element("span", `badge badge-cn-${note.status}`, note.status),
    );
    const about = [TYPES[note.type] || note.type, REASONS[note.reason] || note.reason];
    if (note.out_of_band_amount) about.push(`${money(note.out_of_band_amount, invoice.currency)} settled outside Stripe`);
    const meta = element("p", "credit-note-meta", about.filter(Boolean).join(" · "));
    item.append(head, meta);
    if (note.memo) item.append(element("p", "credit-note-memo", note.memo));
    const tools = element("div", "credit-note-tools");
    if (note.pdf) {
      const pdf = link(note.pdf, "PDF", true);
      pdf.setAttribute("aria-label", `PDF of credit note ${number}`);
      tools.append(pdf);
    }
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

/** Wire the two dialogs once. */
export function initMoney() {
  const form = $("credit-form");
  form.addEventListener("submit", issueCredit);
  form.addEventListener("input", creditChanged);
  $("credit-cancel").addEventListener("click", () => $("credit").close());
  $("credit").addEventListener("close", () => {
    clearTimeout(credit.timer);
    credit.asked++;
  });
  $("mark-paid-form").addEventListener("submit", markPaid);
  $("mark-paid-cancel").addEventListener("click", () => $("mark-paid").close());
}
