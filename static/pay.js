// The payment page: Stripe's Payment Element with real keys, test payments in emulator mode,
// and the invoice's status as the webhooks report it.
import { badgeText, day, money, paintBadge, request } from "./shared.js";

const section = document.getElementById("pay");
const invoiceId = section.dataset.invoice;
const badge = document.getElementById("status");
const POLL_MS = 1000;

for (const element of document.querySelectorAll(".money")) {
  element.textContent = money(Number(element.dataset.amount), element.dataset.currency);
}
for (const element of document.querySelectorAll("time.date")) {
  element.textContent = day(Number(element.dataset.timestamp));
}

function showError(message) {
  document.getElementById("pay-error").textContent = message || "";
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

async function refresh() {
  try {
    render(await request(`/invoices/${invoiceId}/pay/status`));
  } catch (error) {
    showError(error.message);
  } finally {
    setTimeout(refresh, POLL_MS);
  }
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
setTimeout(refresh, POLL_MS);
