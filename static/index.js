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

// A field's error goes as soon as the field changes; a quantity's also clears the items' error.
function clearFieldError(event) {
  const input = event.target;
  if (!input.id) return;
  show(`${input.id}-error`, "");
  input.removeAttribute("aria-invalid");
  if (input.classList.contains("quantity")) show("items-error", "");
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
      input.addEventListener("input", updateTotal);
      cell.append(label, input, error);
      row.append(name, amount, cell);
      return row;
    }),
  );
  updateTotal();
}

async function loadCatalog() {
  catalogMessage("Loading the catalog…");
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
    .map((input) => ({ input, price: input.dataset.price, quantity: Number(input.value) }))
    .filter((item) => item.input.value !== "" && item.quantity !== 0);
}

function updateTotal() {
  const totals = new Map();
  for (const item of chosenItems()) {
    const price = prices.find((p) => p.id === item.price);
    if (!price || !Number.isInteger(item.quantity) || item.quantity < 0) continue;
    totals.set(price.currency, (totals.get(price.currency) || 0) + price.unit_amount * item.quantity);
  }
  const parts = [...totals].map(([currency, amount]) => money(amount, currency));
  document.getElementById("total").textContent = parts.length ? parts.join(" + ") : "—";
}

// Where an error's `field` is shown: items[i].quantity → that row; custom_fields → PO number.
function errorTarget(field, items) {
  if (!field) return "form-error";
  const item = field.match(/^items\[(\d+)\]/);
  if (item && items[Number(item[1])]) return `${items[Number(item[1])].input.id}-error`;
  if (field.startsWith("items")) return "items-error";
  if (field.startsWith("custom_fields")) return "po_number-error";
  return document.getElementById(`${field}-error`) ? `${field}-error` : "form-error";
}

function orderOf(items) {
  const body = {
    email: form.email.value,
    items: items.map(({ price, quantity }) => ({ price, quantity })),
    days_until_due: Number(form.days_until_due.value),
  };
  if (form.name.value.trim()) body.name = form.name.value;
  if (form.description.value.trim()) body.description = form.description.value;
  if (form.po_number.value.trim()) body.custom_fields = [{ name: "PO number", value: form.po_number.value }];
  return body;
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
  sending = true;
  send.disabled = true;
  send.textContent = "Sending…";
  try {
    const headers = { "Idempotency-Key": idempotencyKey };
    const invoice = await request("/invoices", { method: "POST", body: orderOf(items), headers });
    resultId = invoice.id;
    update(invoice);
    showResult(invoice);
    show("result-message", `Invoice ${invoice.number} was sent to ${invoice.email}.`);
    form.reset();
    updateTotal();
    idempotencyKey = newKey();
  } catch (error) {
    const target = errorTarget(error.field, items);
    show(target, error.message);
    const input = document.getElementById(target.replace(/-error$/, ""));
    if (input && input.tagName === "INPUT") {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
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
