// The payment page: Stripe's Payment Element with real keys, test payments in emulator mode,
// and the invoice's status as the webhooks report it.
import { badgeText, day, money, paintBadge, request } from "./shared.js";

const section = document.getElementById("pay");
const invoiceId = section.dataset.invoice;
const badge = document.getElementById("status");
const errorLine = document.getElementById("pay-error");
const POLL_MS = 1000;
// Paid and void are final on Stripe, so the polling stops there. An uncollectible invoice can
// still be paid (on Stripe's hosted page) or voided, though rarely and not from this page, so
// it is still checked, slowly.
const SLOW_POLL_MS = 15000;
const FINAL = ["paid", "void"];
let pollError = ""; // the error the last poll showed, if it failed

for (const element of document.querySelectorAll(".money")) {
  element.textContent = money(Number(element.dataset.amount), element.dataset.currency);
}
for (const element of document.querySelectorAll("time.date")) {
  element.textContent = day(Number(element.dataset.timestamp));
}

function showError(message) {
  errorLine.textContent = message || "";
}

/** How long until the next poll for an invoice in this status, or null for none. */
function pollDelay(status) {
  if (FINAL.includes(status)) return null;
  return status === "uncollectible" ? SLOW_POLL_MS : POLL_MS;
}

const MESSAGES = {
  paid: "This invoice is paid. Thank you!",
  void: "This invoice was voided; nothing is owed.",
  uncollectible: "This invoice was marked uncollectible.",
  processing: "Your payment is processing; this page updates when it completes.",
  "payment failed": "The payment failed. You can try again.",
};

function render(invoice) {
  paintBadge(badge, invoice);
  const final = invoice.status !== "open";
  const overdue = document.getElementById("overdue");
  if (overdue) overdue.hidden = final;
  document.getElementById("state-message").textContent = MESSAGES[badgeText(invoice)] || "";
  for (const id of ["test-payments", "payment-form"]) {
    const element = document.getElementById(id);
    if (element) element.hidden = final || invoice.payment === "processing";
  }
}

function schedule() {
  const delay = pollDelay(badge.dataset.status);
  if (delay !== null) setTimeout(refresh, delay);
}

async function refresh() {
  try {
    render(await request(`/invoices/${invoiceId}/pay/status`));
    // A poll that works again takes its own error away, not one a payment showed since.
    if (pollError && errorLine.textContent === pollError) showError("");
    pollError = "";
  } catch (error) {
    pollError = error.message;
    showError(error.message);
  }
  // The badge holds the latest status, whether a poll or a test payment brought it.
  schedule();
}

// Emulator mode: the emulator pays the invoice as a customer would.
for (const button of document.querySelectorAll("#test-payments button")) {
  button.addEventListener("click", async () => {
    showError("");
    try {
      render(await request(`/invoices/${invoiceId}/pay/test`, { method: "POST", body: { outcome: button.dataset.outcome } }));
    } catch (error) {
      showError(error.message);
    }
  });
}

// The payment form is only ever confirmed by Stripe.js, never submitted by the browser.
const paymentForm = document.getElementById("payment-form");
if (paymentForm && !window.Stripe) {
  paymentForm.addEventListener("submit", (event) => event.preventDefault());
  showError("Stripe.js could not be loaded, so the payment form is not available.");
}

// Real keys: Stripe.js and the Payment Element, confirmed with a return URL back here.
if (section.dataset.clientSecret && window.Stripe) {
  const stripe = window.Stripe(section.dataset.publishableKey);
  const elements = stripe.elements({ clientSecret: section.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  document.getElementById("payment-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = document.getElementById("submit");
    submit.disabled = true;
    const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: section.dataset.returnUrl } });
    // Only an immediate error returns here; success goes to return_url.
    if (error) showError(error.message);
    submit.disabled = false;
  });
}

render({ status: badge.dataset.status, payment: badge.dataset.payment || null });
schedule();
