// The Credit… and Refund… dialog: a credit note for an amount or line by line and, on an
// invoice already (partly) paid, where its post-payment part goes: refunded to the customer's
// card, credited to their balance, or settled outside Stripe. Stripe's preview of what the note
// would do is shown before anything is made.
import { element, minorDigits, money, newKey, request, toMinor } from "./shared.js";
import { clearErrors, fieldError } from "./forms.js";
import { refresh, say } from "./live.js";

const PREVIEW_MS = 350;
// Where the post-payment part goes, by the choice made: the body's field that carries it.
const SPLIT = { refund: "refund_amount", balance: "credit_amount", outside: "out_of_band_amount" };
const SPLIT_FIELDS = Object.values(SPLIT);

const $ = (id) => document.getElementById(id);
const form = () => $("credit-form");
const labelOf = (invoice) => invoice.number || invoice.id;

const credit = {
  invoice: null,
  refunding: false, // opened by Refund…
  key: null,
  timer: null,
  asked: 0, // the number of the latest preview asked for; older answers are dropped
  previewed: null, // the amounts and choice of the preview shown, and the post-payment part it used
  sent: [], // each line of the body: its index in the invoice's lines (errors name the former)
  busy: false,
};

/** What the invoice's payments through Stripe have left to refund. */
export function refundable(invoice) {
  const paid = (invoice.amount_paid || 0) - (invoice.amount_paid_off_stripe || 0);
  return Math.max(paid - (invoice.amount_refunded || 0), 0);
}

/** What credit notes can still take off the invoice. */
export function creditable(invoice) {
  return Math.max((invoice.total ?? invoice.amount_due) - (invoice.amount_credited || 0), 0);
}

const byLines = () => form().elements.by.value === "lines";
const goesTo = () => form().elements.to.value;
const paidSome = (invoice) => invoice.amount_paid > 0;

function amountProblem(text, currency) {
  if (!text.trim()) return "Enter the amount to credit.";
  const amount = toMinor(text, currency);
  const digits = minorDigits(currency);
  if (amount === null) {
    return digits ? `Enter an amount like 12.50 (at most ${digits} decimals).` : "Enter a whole amount, like 1200: this currency has no decimals.";
  }
  if (amount < 1) return "Enter an amount above zero.";
  return "";
}

// One line of the invoice, to credit by a quantity (up to the line's) or by an amount.
function lineRow(invoice, line, index) {
  const row = element("div", "credit-line");
  const unit = line.quantity ? Math.round(line.amount / line.quantity) : line.amount;
  const name = element("p", "credit-line-name");
  name.append(element("span", "", line.description || "Line"), " ", element("span", "muted nowrap", `${line.quantity} × ${money(unit, invoice.currency)}`));
  row.append(name);
  if (!line.line) {
    // Reconciliation names it soon; until then, Stripe cannot be asked for it by line.
    row.append(element("p", "hint muted", "Not yet known by its Stripe id: credit it by amount."));
    return row;
  }
  const inputs = element("div", "credit-line-inputs");
  for (const [which, text, extra] of [
    ["quantity", "Quantity", `(up to ${line.quantity})`],
    ["amount", "or amount", `(${invoice.currency.toUpperCase()})`],
  ]) {
    const id = `credit-line-${index}-${which}`;
    const field = element("div");
    const label = element("label", "", text);
    label.htmlFor = id;
    label.append(element("span", "visually-hidden", ` of ${line.description || `line ${index + 1}`}`), " ", element("small", "", extra));
    const input = element("input");
    Object.assign(input, { id, autocomplete: "off" });
    if (which === "quantity") Object.assign(input, { type: "number", min: 0, max: line.quantity, step: 1 });
    input.inputMode = which === "quantity" ? "numeric" : "decimal";
    input.setAttribute("aria-describedby", `${id}-error`);
    const error = element("p", "error");
    error.id = `${id}-error`;
    field.append(label, input, error);
    inputs.append(field);
  }
  row.append(inputs);
  return row;
}

// What is asked for, without its split: `{body, amount}` (the amount as the page reckons it),
// or `{problem, field}` to say by that field (`empty`: nothing typed yet, not a mistake).
function asked() {
  const invoice = credit.invoice;
  credit.sent = [];
  if (!byLines()) {
    const text = $("credit-amount").value;
    const problem = amountProblem(text, invoice.currency);
    if (problem) return { problem, field: "credit-amount", empty: !text.trim() };
    const amount = toMinor(text, invoice.currency);
    return { body: { amount }, amount };
  }
  const lines = [];
  let amount = 0;
  for (const [index, line] of (invoice.lines || []).entries()) {
    if (!line.line) continue;
    const id = `credit-line-${index}`;
    const quantity = $(`${id}-quantity`).value.trim();
    const part = $(`${id}-amount`).value.trim();
    if (!quantity && !part) continue;
    if (quantity && part) return { problem: "Give a quantity or an amount, not both.", field: `${id}-amount` };
    if (quantity) {
      const count = Number(quantity);
      if (!Number.isInteger(count) || count < 0 || count > line.quantity) {
        return { problem: `Enter a whole quantity from 1 to ${line.quantity}.`, field: `${id}-quantity` };
      }
      if (!count) continue;
      lines.push({ line: line.line, quantity: count });
      amount += Math.round((line.amount * count) / line.quantity);
    } else {
      const problem = amountProblem(part, invoice.currency);
      if (problem) return { problem, field: `${id}-amount` };
      lines.push({ line: line.line, amount: toMinor(part, invoice.currency) });
      amount += toMinor(part, invoice.currency);
    }
    credit.sent.push(index);
  }
  if (!lines.length) return { problem: "Enter a quantity or an amount for at least one line.", field: "credit-lines", empty: true };
  return { body: { lines }, amount };
}

// The part of a credit beyond what is still owed (all of it on a paid invoice). Stripe's
// preview says it exactly (a line's share can round otherwise), and that figure is what is sent.
function postPaymentGuess(invoice, amount) {
  if (!paidSome(invoice)) return 0;
  return Math.max(amount - (invoice.amount_remaining ?? 0), 0);
}

function withSplit(body, post) {
  return post > 0 ? { ...body, [SPLIT[goesTo()]]: post } : { ...body };
}

// What decides the amounts (not the reason or the memo): a preview of another shape is stale.
const shapeOf = (ask) => JSON.stringify([ask.body, goesTo()]);

const joined = (parts) => (parts.length < 2 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`);

// What the chosen post-payment field does, in words (the preview's own split fields cannot be
// relied on: a preview has no refunds made yet, so it would call a refund balance credit).
const DOES = {
  refund: (x) => `refund ${x} to the customer's card`,
  balance: (x) => `credit ${x} to the customer's balance for their next invoice`,
  outside: (x) => `settle ${x} outside Stripe (no money moves through Stripe)`,
};

/** Stripe's preview in plain words: what is owed less, and where the post-payment part goes
 * (the choice it was asked with). */
function previewText(note, invoice, to) {
  const of = (amount) => money(amount, invoice.currency);
  const owed = invoice.amount_remaining ?? invoice.amount_due;
  const parts = [];
  if (note.pre_payment_amount) {
    parts.push(`lower what is owed by ${of(note.pre_payment_amount)} to ${of(Math.max(owed - note.pre_payment_amount, 0))}`);
  }
  if (note.post_payment_amount) parts.push(DOES[to](of(note.post_payment_amount)));
  return `A credit note of ${of(note.amount)}: Stripe would ${joined(parts)}.`;
}

// The page's field for an error's `field`: a line's input, the split's choice, or the amount.
function fieldId(field) {
  if (!field) return null;
  if (SPLIT_FIELDS.includes(field)) return "credit-to";
  const line = field.match(/^lines\[(\d+)\](?:\.(\w+))?/);
  if (line) {
    const index = credit.sent[Number(line[1])];
    if (index === undefined) return "credit-lines";
    // The one of the two inputs that was filled in, unless the error names the other.
    const id = `credit-line-${index}`;
    const named = ["quantity", "amount"].includes(line[2]) ? line[2] : null;
    return named && $(`${id}-${named}`).value.trim() ? `${id}-${named}` : $(`${id}-quantity`).value.trim() ? `${id}-quantity` : `${id}-amount`;
  }
  if (field === "lines" || (field === "amount" && byLines())) return "credit-lines";
  return `credit-${field}`;
}

function focusOn(input) {
  if (!input) return;
  // A choice (a fieldset) takes the focus on its chosen radio.
  const target = input.tagName === "FIELDSET" ? input.querySelector("input:checked") || input.querySelector("input") : input;
  if (target) target.focus();
}

const previewOnce = (body) => request(`/invoices/${credit.invoice.id}/credit-notes/preview`, { method: "POST", body });

/** Ask Stripe's preview of the credit as the form stands, and show it; true once shown. */
async function preview() {
  const number = ++credit.asked;
  const invoice = credit.invoice;
  const out = $("credit-preview");
  credit.previewed = null;
  const ask = asked();
  if (ask.problem) {
    out.textContent = "";
    if (!ask.empty) fieldError(form(), ask.field, ask.problem);
    return false;
  }
  out.textContent = "Asking Stripe…";
  try {
    let post = postPaymentGuess(invoice, ask.amount);
    let note = await previewOnce(withSplit(ask.body, post));
    if (number === credit.asked && paidSome(invoice) && note.post_payment_amount !== post) {
      // The guess was off: ask again with Stripe's own post-payment part.
      post = note.post_payment_amount;
      note = await previewOnce(withSplit(ask.body, post));
    }
    if (number !== credit.asked) return false;
    credit.previewed = { shape: shapeOf(ask), post };
    out.textContent = previewText(note, invoice, goesTo());
    return true;
  } catch (error) {
    if (number !== credit.asked) return false;
    out.textContent = "";
    fieldError(form(), fieldId(error.field), error.message);
    return false;
  }
}

// What the form shows follows the choices: the amount or the lines, and the button's words.
function showChoices() {
  $("credit-by-amount").hidden = byLines();
  $("credit-lines").hidden = !byLines();
  const refunds = credit.refunding && goesTo() === "refund";
  $("credit-ok").textContent = refunds ? "Refund" : "Issue credit note";
}

function creditChanged(event) {
  // Another body is another credit note meant: a new key (a repeat of the same is replayed).
  credit.key = newKey();
  clearErrors(form());
  showChoices();
  const id = event.target.id;
  if (id === "credit-reason" || id === "credit-memo") return; // the amounts do not depend on them
  clearTimeout(credit.timer);
  credit.asked++;
  credit.previewed = null;
  $("credit-preview").textContent = "";
  credit.timer = setTimeout(preview, event.target.type === "radio" ? 0 : PREVIEW_MS);
}

async function issueCredit(event) {
  event.preventDefault();
  if (credit.busy) return;
  const invoice = credit.invoice;
  clearErrors(form());
  const ask = asked();
  if (ask.problem) {
    focusOn(fieldError(form(), ask.field, ask.problem));
    return;
  }
  credit.busy = true;
  $("credit-ok").disabled = true;
  try {
    // Nothing is made before Stripe's preview of just these amounts was shown: if it was not
    // yet, it is now, and the next press confirms it.
    if (!credit.previewed || credit.previewed.shape !== shapeOf(ask)) {
      clearTimeout(credit.timer);
      if (await preview()) $("credit-preview").append(" ", element("strong", "", "Check it, then confirm."));
      else focusOn(form().querySelector("[aria-invalid]"));
      return;
    }
    const body = withSplit(ask.body, credit.previewed.post);
    const reason = $("credit-reason").value;
    const memo = $("credit-memo").value.trim();
    if (reason) body.reason = reason;
    if (memo) body.memo = memo;
    const headers = { "Idempotency-Key": credit.key };
    const note = await request(`/invoices/${invoice.id}/credit-notes`, { method: "POST", body, headers });
    $("credit").close();
    const number = note.number || note.id;
    say(
      note.refund_amount
        ? `${money(note.refund_amount, invoice.currency)} of invoice ${labelOf(invoice)} refunded (credit note ${number}).`
        : `Credit note ${number} of ${money(note.amount, invoice.currency)} issued for ${labelOf(invoice)}.`,
    );
    await refresh(invoice.id);
  } catch (error) {
    focusOn(fieldError(form(), fieldId(error.field), error.message));
  } finally {
    credit.busy = false;
    $("credit-ok").disabled = false;
  }
}

// The post-payment choice, where the invoice has payments: a refund by default, where one can
// still be made through Stripe (an invoice paid outside Stripe has none to refund).
function setUpSplit(invoice) {
  const left = refundable(invoice);
  $("credit-to").hidden = !paidSome(invoice);
  $("credit-to-refund").disabled = !left;
  $("credit-to-refund-note").textContent = left
    ? `(${money(left, invoice.currency)} left to refund)`
    : "(nothing paid through Stripe is left to refund)";
  if (!left) $("credit-to-outside").checked = true;
  $("credit-to-hint").textContent =
    invoice.status === "paid"
      ? "The invoice is paid, so all of the credit goes back to the customer."
      : `The credit first lowers what is still owed (${money(invoice.amount_remaining ?? 0, invoice.currency)}); only what goes beyond it goes back.`;
}

/** Open the dialog for an invoice; `refunding` (Refund…) presets a refund of what is left. */
export function openCredit(invoice, refunding = false) {
  const dialog = $("credit");
  Object.assign(credit, { invoice, refunding, key: newKey(), previewed: null, sent: [] });
  credit.asked++;
  clearTimeout(credit.timer);
  form().reset();
  clearErrors(form());
  $("credit-preview").textContent = "";
  // The number kept whole: a phone would break it at its hyphen.
  $("credit-title").replaceChildren(refunding ? "Refund invoice " : "Credit invoice ", element("span", "nowrap", labelOf(invoice)));
  const currency = invoice.currency.toUpperCase();
  const digits = minorDigits(invoice.currency);
  $("credit-currency").textContent = `(${currency})`;
  const example = digits ? (12.5).toFixed(digits) : "1200";
  $("credit-amount").placeholder = example;
  $("credit-amount-hint").textContent = digits
    ? `In ${currency}, with up to ${digits} decimals, like ${example}.`
    : `In whole ${currency}, like ${example}: this currency has no decimals.`;
  const lines = invoice.lines || [];
  $("credit-by").hidden = !lines.some((line) => line.line);
  $("credit-line-list").replaceChildren(...lines.map((line, index) => lineRow(invoice, line, index)));
  setUpSplit(invoice);
  if (refunding) {
    // What is left to refund, but no more than can still be credited. On an open invoice a
    // credit first lowers what is still owed, so a refund needs that much more.
    const owed = invoice.status === "paid" ? 0 : invoice.amount_remaining || 0;
    const amount = Math.min(owed + refundable(invoice), creditable(invoice));
    $("credit-amount").value = (amount / 10 ** digits).toFixed(digits);
  }
  showChoices();
  dialog.showModal();
  $("credit-amount").focus();
  if (refunding) preview();
}

/** Wire the dialog once. */
export function initCredit() {
  form().addEventListener("submit", issueCredit);
  form().addEventListener("input", creditChanged);
  $("credit-cancel").addEventListener("click", () => $("credit").close());
  $("credit").addEventListener("close", () => {
    clearTimeout(credit.timer);
    credit.asked++;
  });
}
