// Helpers shared by the pages: money, dates, status badges and JSON requests.

/** `1000, "usd"` → "$10.00", using the currency's own minor unit. */
export function money(amount, currency) {
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(amount / 10 ** digits);
}

/** How many decimals the currency's minor unit has: 2 for "usd", 0 for "jpy". */
export function minorDigits(currency) {
  const format = new Intl.NumberFormat("en", { style: "currency", currency: currency.toUpperCase() });
  return format.resolvedOptions().maximumFractionDigits;
}

/** What a person typed (`12.50`, `1,200`) in the currency's units → an integer in its minor
 * unit (1250), or null when it is not an amount the currency can have. */
export function toMinor(text, currency) {
  const digits = minorDigits(currency);
  let plain = String(text).trim().replace(/[\s,']/g, "");
  if (plain.startsWith(".")) plain = `0${plain}`;
  const pattern = digits ? new RegExp(`^(\\d+)(?:\\.(\\d{0,${digits}}))?$`) : /^(\d+)$/;
  const parts = plain.match(pattern);
  if (!parts) return null;
  const whole = Number(parts[1]);
  const fraction = Number((parts[2] || "").padEnd(digits, "0") || 0);
  const amount = whole * 10 ** digits + fraction;
  return Number.isSafeInteger(amount) ? amount : null;
}

const pad = (n) => String(n).padStart(2, "0");

/** A Unix time as the local date in ISO form (`2026-12-09`), or a dash. */
export function day(timestamp) {
  if (!timestamp) return "—";
  const date = new Date(timestamp * 1000);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A Unix time as the local date and minute (`2026-12-09 14:03`), or to the second. */
export function moment(timestamp, seconds = false) {
  if (!timestamp) return "—";
  const date = new Date(timestamp * 1000);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return `${day(timestamp)} ${time}${seconds ? `:${pad(date.getSeconds())}` : ""}`;
}

/** `3` → "3 days overdue". */
export function overdueText(days) {
  return `${days} ${days === 1 ? "day" : "days"} overdue`;
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

/** What was given back or paid elsewhere, as badge words: refunded (all that was paid) or
 * partly refunded, credited, paid outside Stripe. */
function moneyBadges(invoice) {
  const words = [];
  const paid = invoice.amount_paid || 0;
  const refunded = invoice.amount_refunded || 0;
  if (paid > 0 && refunded >= paid) words.push("refunded");
  else if (refunded > 0 && refunded < paid) words.push("partly refunded");
  if (invoice.amount_credited > 0) words.push("credited");
  if (invoice.amount_paid_off_stripe > 0) words.push("paid outside Stripe");
  return words;
}

const BADGE_CLASS = { refunded: "refunded", "partly refunded": "partly-refunded", credited: "credited", "paid outside Stripe": "off-stripe" };

/** The badges of an invoice's status: its state, money given back or paid elsewhere, and how
 * late it is when overdue. Each says it in words, so colour is never the only sign. */
export function statusBadges(invoice) {
  const badge = document.createElement("span");
  paintBadge(badge, invoice);
  const badges = [badge];
  for (const word of moneyBadges(invoice)) badges.push(element("span", `badge badge-${BADGE_CLASS[word]}`, word));
  if (invoice.overdue) badges.push(element("span", "badge badge-overdue", overdueText(invoice.days_overdue)));
  return badges;
}

/** A new element with a class and text. */
export function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

/** A link; `external` ones open in a new tab. */
export function link(href, text, external = false) {
  const made = element("a", "", text);
  made.href = href;
  if (external) {
    made.target = "_blank";
    made.rel = "noopener";
  }
  return made;
}

/** A fresh Idempotency-Key: one per thing meant, so that a repeat of it is replayed. */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `page-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
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
