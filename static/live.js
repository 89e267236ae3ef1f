// What the demo page's views share: the latest copy of every invoice the page has seen (the
// list, the "Invoice sent" panel and the detail view all follow it), and the message line.
import { request } from "./shared.js";

const known = new Map(); // invoice id → its latest JSON
const listeners = [];

/** The latest copy of an invoice the page has seen, if any. */
export function knownInvoice(id) {
  return known.get(id);
}

/** Call `listener(invoice)` whenever an invoice changes. */
export function onChange(listener) {
  listeners.push(listener);
}

/** Take in an invoice's state from the server; true if it changed anything. */
export function update(invoice) {
  const before = known.get(invoice.id);
  // A slower answer must not undo a newer one (an action's answer and a poll can cross).
  if (before && before.updated > invoice.updated) return false;
  if (before && JSON.stringify(before) === JSON.stringify(invoice)) return false;
  known.set(invoice.id, invoice);
  for (const listener of listeners) listener(invoice);
  return true;
}

/** Fetch the invoice again and hand it to every view (after an action that changed it). */
export async function refresh(invoiceId) {
  try {
    update(await request(`/invoices/${encodeURIComponent(invoiceId)}`));
  } catch {
    // The list's polling brings it soon anyway.
  }
}

/** Show a message, or an error, above the list. */
export function say(message, isError = false) {
  document.getElementById("list-message").textContent = isError ? "" : message;
  document.getElementById("list-error").textContent = isError ? message : "";
}
