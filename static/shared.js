// Helpers shared by the pages: money, dates, status badges and JSON requests.

/** `1000, "usd"` → "$10.00", using the currency's own minor unit. */
export function money(amount, currency) {
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(amount / 10 ** digits);
}

/** A Unix time as a local date, or a dash. */
export function day(timestamp) {
  return timestamp ? new Date(timestamp * 1000).toLocaleDateString() : "—";
}

/** What a badge says: the status, or the payment in progress on an open invoice. */
export function badgeText(invoice) {
  if (invoice.status === "open" && invoice.payment === "processing") return "processing";
  if (invoice.status === "open" && invoice.payment === "failed") return "payment failed";
  return invoice.status;
}

/** Fill a badge element for an invoice. */
export function paintBadge(element, invoice) {
  const text = badgeText(invoice);
  element.textContent = text;
  element.className = `badge badge-${text.replace(/\s+/g, "-")}`;
  element.dataset.status = invoice.status;
  element.dataset.payment = invoice.payment || "";
}

/** fetch() with JSON in and out; throws an Error carrying the error JSON on 4xx/5xx. */
export async function request(path, options = {}) {
  const init = { ...options, headers: { Accept: "application/json", ...options.headers } };
  if (options.body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((data.error && data.error.message) || `HTTP ${response.status}`);
    error.status = response.status;
    error.field = data.error ? data.error.field : null;
    throw error;
  }
  return data;
}
