// The demo page: the catalog and the invoice form, the "Invoice sent" panel, and the views of
// the other modules (receivables, the list, the customers, the detail view, the outbox).
import { day, element, money, newKey, request, statusBadges } from "./shared.js";
import { initMenus } from "./actions.js";
import { follow, initFilter, loadInvoices } from "./invoices.js";
import { initCustomers, loadCustomers } from "./customers.js";
import { initDetail } from "./detail.js";
import { initMoney } from "./money.js";
import { onChange, say, update } from "./live.js";
import { initSummary, loadOutbox, loadReceivables } from "./summary.js";
import { adjustmentTarget, adjustmentsOf, estimate, estimateText, itemTaxControl, loadAdjustments } from "./adjustments.js";
import { customerOf, customerTarget } from "./customer-details.js";
import { totalsPairs } from "./billing.js";

const form = document.getElementById("invoice-form");
const send = document.getElementById("send");
const catalogBody = document.getElementById("catalog");
let prices = [];
let sending = false;
let resultId = null;
let idempotencyKey = newKey();

// First of all, before any request: the form is only ever sent by this script, as JSON.
form.addEventListener("submit", sendInvoice);
send.disabled = false;

function show(id, message) {
  const target = document.getElementById(id);
  if (target) target.textContent = message || "";
}

function clearErrors() {
  for (const error of form.querySelectorAll(".error")) error.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

// A field's error goes as soon as the field changes; a quantity's also clears the items' error,
// a tax rate's the rates' and a discount's the discounts'.
function clearFieldError(event) {
  const input = event.target;
  if (!input.id) return;
  show(`${input.id}-error`, "");
  input.removeAttribute("aria-invalid");
  if (input.classList.contains("quantity")) show("items-error", "");
  if (input.name === "tax_rates") show("tax_rates-error", "");
  if (input.id === "coupon" || input.id === "promotion_code") show("discounts-error", "");
  show("form-error", "");
  idempotencyKey = newKey();
}

function catalogMessage(text, retry) {
  const cell = element("td", "notice", text);
  cell.colSpan = 3;
  if (retry) {
    const button = element("button", "secondary compact", "Try again");
    button.type = "button";
    button.addEventListener("click", loadCatalog);
    cell.append(" ", button);
  }
  const row = element("tr");
  row.append(cell);
  catalogBody.replaceChildren(row);
}

function renderCatalog() {
  if (!prices.length) {
    catalogMessage("The catalog is empty.");
    return;
  }
  catalogBody.replaceChildren(
    ...prices.map((price, index) => {
      const row = element("tr");
      const name = element("th", "", price.nickname ? `${price.product} (${price.nickname})` : price.product);
      name.scope = "row";
      const amount = element("td", "num", money(price.unit_amount, price.currency));
      const cell = element("td");
      const label = element("label", "visually-hidden", `Quantity of ${price.product}`);
      label.htmlFor = `qty-${index}`;
      const input = element("input", "quantity");
      Object.assign(input, { id: `qty-${index}`, type: "number", min: 0, max: 10000 });
      input.defaultValue = index === 0 ? "1" : "0";
      input.dataset.price = price.id;
      const error = element("span", "error");
      error.id = `qty-${index}-error`;
      input.setAttribute("aria-describedby", error.id);
      // The item's own tax rate sits beside its quantity (under it on a phone).
      const controls = element("div", "item-controls");
      controls.append(label, input, itemTaxControl(index, price.product), error);
      cell.append(controls);
      row.append(name, amount, cell);
      return row;
    }),
  );
  updateTotal();
}

async function loadCatalog() {
  catalogMessage("Loading the catalog…");
  loadAdjustments().then(updateTotal);
  try {
    prices = (await request("/prices")).data;
    renderCatalog();
  } catch (error) {
    prices = [];
    if (error.status === 502) catalogMessage("Stripe could not be reached, so the catalog cannot be shown.", true);
    else if (error.status) catalogMessage(`The catalog could not be loaded: ${error.message}`, true);
    else catalogMessage("The server could not be reached, so the catalog cannot be shown.", true);
  }
}

function chosenItems() {
  return [...form.querySelectorAll("input.quantity")]
    .map((input) => {
      const tax = document.getElementById(input.id.replace("qty-", "tax-"));
      return { input, tax, price: input.dataset.price, quantity: Number(input.value) };
    })
    .filter((item) => item.input.value !== "" && item.quantity !== 0);
}

// The running total, per currency: an estimate with the discount and tax chosen (Stripe's own
// arithmetic makes the invoice's amounts, which the "Invoice sent" panel then shows).
function updateTotal() {
  const lines = new Map();
  for (const item of chosenItems()) {
    const price = prices.find((p) => p.id === item.price);
    if (!price || !Number.isInteger(item.quantity) || item.quantity < 0) continue;
    if (!lines.has(price.currency)) lines.set(price.currency, []);
    lines.get(price.currency).push({ amount: price.unit_amount * item.quantity, tax: item.tax ? item.tax.value : "" });
  }
  const estimates = [...lines].map(([currency, its]) => [currency, estimate(its, currency)]);
  const parts = estimates.map(([currency, estimated]) => money(estimated.total, currency));
  document.getElementById("total").textContent = parts.length ? parts.join(" + ") : "—";
  // One invoice has one currency: with two the server refuses it, so no breakdown is worth it.
  show("estimate", estimates.length === 1 ? estimateText(estimates[0][1], estimates[0][0]) : "");
}

// Where an error's `field` is shown: items[i].quantity → that row, items[i].tax_rates → its
// tax rate; custom_fields → PO number; memo → the memo; the customer's, the tax rates' and the
// discounts' at their inputs.
function errorTarget(field, items, discountInputs) {
  if (!field) return "form-error";
  const item = field.match(/^items\[(\d+)\](\.tax_rates)?/);
  const chosen = item && items[Number(item[1])];
  if (chosen) return `${(item[2] && chosen.tax ? chosen.tax : chosen.input).id}-error`;
  if (field.startsWith("items")) return "items-error";
  if (field.startsWith("custom_fields")) return "po_number-error";
  if (field === "memo") return "description-error";
  const nested = customerTarget(field) || adjustmentTarget(field, discountInputs);
  if (nested) return nested;
  return document.getElementById(`${field}-error`) ? `${field}-error` : "form-error";
}

// The body holds only what was filled in or chosen.
function orderOf(items, adjustments) {
  const body = {
    email: form.email.value,
    items: items.map(({ price, quantity, tax }) => (tax && tax.value ? { price, quantity, tax_rates: [tax.value] } : { price, quantity })),
    days_until_due: Number(form.days_until_due.value),
  };
  if (form.name.value.trim()) body.name = form.name.value;
  const customer = customerOf();
  if (customer) body.customer = customer;
  if (form.description.value.trim()) body.description = form.description.value;
  if (form.po_number.value.trim()) body.custom_fields = [{ name: "PO number", value: form.po_number.value }];
  if (form.footer.value.trim()) body.footer = form.footer.value;
  return { ...body, ...adjustments.body };
}

// The input an error line belongs to takes the focus, unfolded if it was folded away; a group
// gives it to its first chosen box, or its first control.
function focusField(target) {
  const field = document.getElementById(target.replace(/-error$/, ""));
  if (!field || !form.contains(field)) return;
  const folded = field.closest("details");
  if (folded) folded.open = true;
  if (field.tagName === "FIELDSET") {
    const first = field.querySelector("input:checked") || field.querySelector("input, select");
    if (first) first.focus();
    return;
  }
  if (!["INPUT", "SELECT", "TEXTAREA"].includes(field.tagName)) return;
  field.setAttribute("aria-invalid", "true");
  field.focus();
}

async function sendInvoice(event) {
  event.preventDefault();
  if (sending) return;
  clearErrors();
  if (!prices.length) {
    show("form-error", "The catalog is not available, so no invoice can be sent yet.");
    return;
  }
  const items = chosenItems();
  const adjustments = adjustmentsOf();
  sending = true;
  send.disabled = true;
  send.textContent = "Sending…";
  try {
    const headers = { "Idempotency-Key": idempotencyKey };
    const invoice = await request("/invoices", { method: "POST", body: orderOf(items, adjustments), headers });
    resultId = invoice.id;
    update(invoice);
    showResult(invoice);
    show("result-message", `Invoice ${invoice.number} was sent to ${invoice.email}.`);
    form.reset();
    document.getElementById("customer-details").open = false;
    updateTotal();
    idempotencyKey = newKey();
  } catch (error) {
    const target = errorTarget(error.field, items, adjustments.discountInputs);
    show(target, error.message);
    focusField(target);
  } finally {
    sending = false;
    send.disabled = false;
    send.textContent = "Send invoice";
  }
}

// The panel shows the invoice just sent, and follows it as the list does.
function showResult(invoice) {
  const panel = document.getElementById("result");
  show("result-number", invoice.number);
  show("result-email", invoice.email);
  show("result-amount", money(invoice.amount_due, invoice.currency));
  const totals = new Map(totalsPairs(invoice));
  for (const term of ["Subtotal", "Discount", "Tax", "Total"]) {
    const value = document.getElementById(`result-${term.toLowerCase()}`);
    value.textContent = totals.get(term) || "";
    value.hidden = value.previousElementSibling.hidden = !totals.has(term);
  }
  show("result-due", day(invoice.due_date));
  document.getElementById("result-status").replaceChildren(...statusBadges(invoice));
  document.getElementById("result-detail").href = `#${invoice.id}`;
  document.getElementById("result-hosted").href = invoice.hosted_invoice_url;
  document.getElementById("result-pdf").href = invoice.invoice_pdf;
  document.getElementById("result-pay").href = `/invoices/${invoice.id}/pay`;
  if (panel.hidden) {
    panel.hidden = false;
    panel.focus();
  }
}

onChange((invoice) => {
  if (invoice.id === resultId) showResult(invoice);
});
form.addEventListener("input", clearFieldError);
form.addEventListener("input", updateTotal);
initMenus();
initFilter();
initMoney();
initDetail();
loadCatalog();
loadInvoices()
  .catch((error) => say(`Could not load the invoices: ${error.message}`, true))
  .finally(() => {
    initSummary();
    initCustomers();
    loadCustomers();
    loadReceivables();
    loadOutbox();
    follow();
  });
