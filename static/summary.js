// Above and below the list: the receivables aged by days past due, per currency, and (in
// emulator mode) the outbox of the emails Stripe would have sent. Both follow the invoices.
import { element, link, moment, money, request } from "./shared.js";
import { knownInvoice, onChange } from "./live.js";

const BUCKETS = [
  ["current", "Not yet due"],
  ["overdue_1_30", "1–30 days overdue"],
  ["overdue_31_60", "31–60 days overdue"],
  ["overdue_61_90", "61–90 days overdue"],
  ["overdue_over_90", "Over 90 days overdue"],
];
const OUTBOX_SHOWN = 20;
const emulator = document.body.dataset.mode === "emulator";
let pending = null;

function bucket(name, title, amount, currency) {
  const box = element("div", `bucket${name.startsWith("overdue") && amount ? " late" : ""}`);
  box.dataset.bucket = name;
  box.append(element("dt", "", title), element("dd", "", money(amount, currency)));
  return box;
}

function renderAging(rows) {
  const target = document.getElementById("receivables");
  if (!rows.length) {
    target.replaceChildren(element("p", "muted", "Nothing is owed: no invoice is open."));
    return;
  }
  target.replaceChildren(
    ...rows.map((row) => {
      const block = element("div", "aging card");
      block.dataset.currency = row.currency;
      const count = row.count === 1 ? "1 open invoice" : `${row.count} open invoices`;
      const heading = element("h3", "", `${row.currency.toUpperCase()} `);
      heading.append(element("span", "muted", `· ${count}`));
      const list = element("dl", "buckets");
      list.append(bucket("total", "Total owed", row.total, row.currency));
      for (const [name, title] of BUCKETS) list.append(bucket(name, title, row[name], row.currency));
      block.append(heading, list);
      return block;
    }),
  );
}

/** Load the aging report as of now. */
export async function loadReceivables() {
  const error = document.getElementById("receivables-error");
  try {
    renderAging((await request("/receivables")).data);
    error.textContent = "";
  } catch (failure) {
    error.textContent = `Could not load the receivables: ${failure.message}`;
  }
}

function email(entry) {
  const item = element("li", "email");
  item.dataset.kind = entry.kind;
  const known = knownInvoice(entry.invoice);
  const meta = element("span", "email-meta");
  meta.append(`to ${entry.to} · `, element("time", "", moment(entry.created)), " · ");
  meta.append(link(`#${entry.invoice}`, known && known.number ? known.number : entry.invoice));
  if (entry.hosted_invoice_url) meta.append(" · ", link(entry.hosted_invoice_url, "Hosted page", true));
  item.append(element("span", `badge badge-kind badge-${entry.kind}`, entry.kind), " ");
  item.append(element("span", "email-subject", entry.subject), meta);
  // What the customer reads, folded away under the subject.
  const body = element("details", "email-text");
  body.append(element("summary", "", "Text"), element("pre", "", entry.text));
  item.append(body);
  return item;
}

/** Load the outbox (emulator mode only; the section stays hidden otherwise). */
export async function loadOutbox() {
  if (!emulator) return;
  const section = document.getElementById("outbox-section");
  const list = document.getElementById("outbox");
  const note = document.getElementById("outbox-note");
  section.hidden = false;
  try {
    const entries = (await request("/outbox")).data;
    list.replaceChildren(...entries.slice(0, OUTBOX_SHOWN).map(email));
    if (!entries.length) note.textContent = "No email yet.";
    else if (entries.length > OUTBOX_SHOWN) note.textContent = `The ${OUTBOX_SHOWN} newest of ${entries.length}.`;
    else note.textContent = "";
  } catch (failure) {
    list.replaceChildren();
    note.textContent = `The outbox is not available: ${failure.message}`;
  }
}

/** Reload both whenever an invoice changes (a burst of changes reloads once). */
export function initSummary() {
  onChange(() => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      loadReceivables();
      loadOutbox();
    }, 300);
  });
}
