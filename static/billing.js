// What a complete invoice adds to the views, always as text: Stripe's totals (subtotal,
// discount, tax, total), the customer's address, phone and tax IDs, and a line's discount and
// tax. A field the invoice does not carry is not shown.
import { element, money } from "./shared.js";

const TAX_ID_NAMES = {
  eu_vat: "EU VAT",
  gb_vat: "UK VAT",
  us_ein: "US EIN",
  au_abn: "ABN",
  ca_bn: "BN",
  ch_vat: "CH VAT",
  no_vat: "NO VAT",
};
// Where the city comes first, then the state and the postal code on one line.
const CITY_FIRST = new Set(["US", "CA", "AU", "GB"]);

/** The totals as [term, text] pairs when a discount or tax makes them differ from the amount;
 * none for a plain invoice, whose amount says it all. */
export function totalsPairs(invoice) {
  const discount = invoice.total_discount || 0;
  const tax = invoice.total_tax || 0;
  if (!discount && !tax) return [];
  const of = (amount) => money(amount, invoice.currency);
  const pairs = [];
  if (invoice.subtotal != null) pairs.push(["Subtotal", of(invoice.subtotal)]);
  if (discount) pairs.push(["Discount", `−${of(discount)}`]);
  if (tax) {
    // An inclusive rate's tax is inside the prices: the total does not grow by it.
    const inside = invoice.subtotal != null && invoice.total != null ? invoice.subtotal - discount + tax - invoice.total : 0;
    const note = inside >= tax ? " (included in the prices)" : inside > 0 ? ` (${of(inside)} of it included in the prices)` : "";
    pairs.push(["Tax", `${of(tax)}${note}`]);
  }
  if (invoice.total != null) pairs.push(["Total", of(invoice.total)]);
  return pairs;
}

/** An address's lines: street, then city, region and postal code as the country writes them. */
export function addressLines(address) {
  if (!address) return [];
  const { line1, line2, city, state, postal_code: postal, country } = address;
  const join = (parts, between) => parts.filter(Boolean).join(between);
  if (CITY_FIRST.has(country)) return [line1, line2, join([join([city, state], ", "), postal], " "), country].filter(Boolean);
  return [line1, line2, join([postal, city], " "), state, country].filter(Boolean);
}

/** Lines of text as one element, a line break between each. */
function linesOf(lines, className) {
  const block = element("span", className);
  lines.forEach((line, i) => block.append(...(i ? [element("br"), line] : [line])));
  return block;
}

/** "EU VAT FR12345678901". */
export function taxIdText(taxId) {
  return `${TAX_ID_NAMES[taxId.type] || taxId.type} ${taxId.value}`;
}

/** The customer's address, phone and tax IDs as [term, element or text] pairs, those given. */
export function customerPairs(invoice) {
  const pairs = [];
  const lines = addressLines(invoice.customer_address);
  if (lines.length) pairs.push(["Address", linesOf(lines, "address")]);
  if (invoice.customer_phone) pairs.push(["Phone", invoice.customer_phone]);
  const taxIds = invoice.customer_tax_ids || [];
  if (taxIds.length) pairs.push([taxIds.length > 1 ? "Tax IDs" : "Tax ID", linesOf(taxIds.map(taxIdText), "tax-ids")]);
  return pairs;
}

/** A line's amount, with its discount and tax under it when Stripe gave them. */
export function lineAmount(line, currency) {
  const cell = element("td", "num", money(line.amount, currency));
  if (line.discount) cell.append(element("span", "line-extra", `−${money(line.discount, currency)} discount`));
  if (line.tax) cell.append(element("span", "line-extra", `${money(line.tax, currency)} tax`));
  return cell;
}
