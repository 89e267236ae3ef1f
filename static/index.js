// The demo page: catalog, invoice form, and an invoice list that follows webhooks.
import { badgeText, day, money, paintBadge, request } from "./shared.js";

const form = document.getElementById("invoice-form");
const catalogBody = document.getElementById("catalog");
const invoicesBody = document.getElementById("invoices");
const POLL_MS = 1500;
let prices = [];
let filterEmail = "";
let cursor = null;
const rows = new Map(); // invoice id → table row

function show(id, message) {
  const element = document.getElementById(id);
  if (element) element.textContent = message || "";
}

function clearErrors() {
  for (const element of document.querySelectorAll(".error")) element.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function renderCatalog() {
  catalogBody.replaceChildren();
  if (!prices.length) {
    catalogBody.innerHTML = "<tr><td colspan='3'>The catalog is empty.</td></tr>";
    return;
  }
  prices.forEach((price, index) => {
    const row = document.createElement("tr");
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = price.nickname ? `${price.product} (${price.nickname})` : price.product;
    const amount = document.createElement("td");
    amount.textContent = money(price.unit_amount, price.currency);
    const cell = document.createElement("td");
    const label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = `qty-${index}`;
    label.textContent = `Quantity of ${price.product}`;
    const input = document.createElement("input");
    Object.assign(input, { id: `qty-${index}`, type: "number", min: 0, max: 10000, value: index === 0 ? 1 : 0 });
    input.dataset.price = price.id;
    input.className = "quantity";
    const error = document.createElement("span");
    error.className = "error";
    error.id = `qty-${index}-error`;
    input.setAttribute("aria-describedby", error.id);
    input.addEventListener("input", updateTotal);
    cell.append(label, input, error);
    row.append(name, amount, cell);
    catalogBody.append(row);
  });
  updateTotal();
}

function chosenItems() {
  return [...document.querySelectorAll("input.quantity")]
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

async function sendInvoice(event) {
  event.preventDefault();
  clearErrors();
  const items = chosenItems();
  const body = {
    email: form.email.value,
    items: items.map(({ price, quantity }) => ({ price, quantity })),
    days_until_due: Number(form.days_until_due.value),
  };
  if (form.name.value.trim()) body.name = form.name.value;
  if (form.description.value.trim()) body.description = form.description.value;
  if (form.po_number.value.trim()) body.custom_fields = [{ name: "PO number", value: form.po_number.value }];
  const button = document.getElementById("send");
  button.disabled = true;
  try {
    const invoice = await request("/invoices", { method: "POST", body });
    showResult(invoice);
    upsertRow(invoice, true);
  } catch (error) {
    const target = errorTarget(error.field, items);
    show(target, error.message);
    const input = document.getElementById(target.replace(/-error$/, ""));
    if (input && input.tagName === "INPUT") {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  } finally {
    button.disabled = false;
  }
}

function showResult(invoice) {
  document.getElementById("result").hidden = false;
  show("result-number", invoice.number);
  show("result-amount", money(invoice.amount_due, invoice.currency));
  show("result-due", day(invoice.due_date));
  show("result-status", badgeText(invoice));
  document.getElementById("result-hosted").href = invoice.hosted_invoice_url;
  document.getElementById("result-pdf").href = invoice.invoice_pdf;
  document.getElementById("result-pay").href = `/invoices/${invoice.id}/pay`;
}

function actionButton(text, action, invoice) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = text;
  button.setAttribute("aria-label", `${text} ${invoice.number || invoice.id}`);
  button.addEventListener("click", async () => {
    show("list-error", "");
    try {
      upsertRow(await request(`/invoices/${invoice.id}/${action}`, { method: "POST", body: {} }));
    } catch (error) {
      show("list-error", error.message);
    }
  });
  return button;
}

function fillRow(row, invoice) {
  const number = document.createElement("td");
  const link = document.createElement("a");
  link.href = `/invoices/${invoice.id}/pay`;
  link.textContent = invoice.number || invoice.id;
  number.append(link);
  const email = document.createElement("td");
  email.textContent = invoice.email;
  const amount = document.createElement("td");
  amount.textContent = money(invoice.amount_due, invoice.currency);
  const status = document.createElement("td");
  const badge = document.createElement("span");
  paintBadge(badge, invoice);
  status.append(badge);
  const actions = document.createElement("td");
  if (invoice.status === "open") {
    actions.append(actionButton("Void", "void", invoice), actionButton("Mark uncollectible", "mark-uncollectible", invoice));
  }
  row.replaceChildren(number, email, amount, status, actions);
  row.dataset.invoice = invoice.id;
  row.dataset.status = invoice.status;
}

function upsertRow(invoice, atTop = false) {
  if (filterEmail && invoice.email !== filterEmail.toLowerCase()) return;
  let row = rows.get(invoice.id);
  if (!row) {
    row = document.createElement("tr");
    rows.set(invoice.id, row);
    if (atTop) invoicesBody.prepend(row);
    else invoicesBody.append(row);
  }
  fillRow(row, invoice);
}

async function loadInvoices() {
  const query = filterEmail ? `?email=${encodeURIComponent(filterEmail)}` : "";
  const page = await request(`/invoices${query}`);
  rows.clear();
  invoicesBody.replaceChildren();
  for (const invoice of page.data) upsertRow(invoice);
  cursor = page.cursor;
}

// Light polling of the `since` cursor: only invoices changed since the last answer come back.
async function poll() {
  try {
    if (cursor !== null) {
      const params = new URLSearchParams({ since: cursor });
      if (filterEmail) params.set("email", filterEmail);
      const page = await request(`/invoices?${params}`);
      for (const invoice of page.data.reverse()) upsertRow(invoice, !rows.has(invoice.id));
      cursor = page.cursor;
    }
  } catch (error) {
    show("list-error", `Could not refresh the list: ${error.message}`);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function start() {
  const [config, catalog] = await Promise.all([request("/config"), request("/prices")]);
  form.days_until_due.value = config.daysUntilDue;
  prices = catalog.data;
  renderCatalog();
  form.addEventListener("submit", sendInvoice);
  document.getElementById("filter-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    filterEmail = document.getElementById("filter-email").value.trim();
    await loadInvoices();
  });
  await loadInvoices();
  setTimeout(poll, POLL_MS);
}

start().catch((error) => show("form-error", `Could not load the page: ${error.message}`));
