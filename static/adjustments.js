// The form's tax rates and discounts: the account's tax rates (for every line, or one per item)
// and coupons, from GET /tax-rates and GET /coupons, and a promotion code typed in; what of them
// a send carries, where their errors show, and the running estimate of the total.
import { element, money, request } from "./shared.js";

const taxPart = document.getElementById("tax_rates");
const rateList = document.getElementById("tax-rate-list");
const discountPart = document.getElementById("discounts");
const couponSelect = document.getElementById("coupon");
const codeInput = document.getElementById("promotion_code");
let rates = [];
let coupons = [];

/** "VAT 20% (FR)", "GST 10% included (AU)". */
function rateLabel(rate) {
  const where = rate.jurisdiction || rate.country;
  const included = rate.inclusive ? " included" : "";
  return `${rate.display_name} ${Number(rate.percentage)}%${included}${where ? ` (${where})` : ""}`;
}

/** "Spring: 10% off", "Loyal customer: $5.00 off"; a name that already says it, alone. */
function couponLabel(coupon) {
  const off = coupon.percent_off != null ? `${Number(coupon.percent_off)}% off` : `${money(coupon.amount_off, coupon.currency)} off`;
  const name = coupon.name || coupon.id;
  return name.toLowerCase().includes(off.toLowerCase()) ? name : `${name}: ${off}`;
}

function renderRates() {
  const checked = new Set([...rateList.querySelectorAll("input:checked")].map((box) => box.value));
  rateList.replaceChildren(
    ...rates.map((rate, index) => {
      const label = element("label");
      const box = element("input");
      Object.assign(box, { type: "checkbox", name: "tax_rates", value: rate.id, id: `tax-rate-${index}` });
      box.checked = checked.has(rate.id);
      label.append(box, " ", element("span", "", rateLabel(rate)));
      return label;
    }),
  );
  taxPart.hidden = !rates.length;
  for (const select of document.querySelectorAll("select.item-tax")) fillItemTax(select);
}

function renderCoupons() {
  const chosen = couponSelect.value;
  couponSelect.replaceChildren(new Option("None", ""), ...coupons.map((coupon) => new Option(couponLabel(coupon), coupon.id)));
  couponSelect.value = coupons.some((coupon) => coupon.id === chosen) ? chosen : "";
  // Without a coupon no promotion code can be valid either.
  discountPart.hidden = !coupons.length;
}

/** Load what can be chosen. A failure leaves the form usable without them, and says so. */
export async function loadAdjustments() {
  const note = document.getElementById("adjustments-error");
  note.textContent = "";
  const [taxes, offs] = await Promise.allSettled([request("/tax-rates"), request("/coupons")]);
  rates = taxes.status === "fulfilled" ? taxes.value.data : [];
  coupons = offs.status === "fulfilled" ? offs.value.data : [];
  renderRates();
  renderCoupons();
  if (taxes.status === "rejected" || offs.status === "rejected") {
    note.textContent = "The tax rates and coupons could not be loaded, so none can be chosen now.";
  }
}

function fillItemTax(select) {
  const chosen = select.value;
  select.replaceChildren(new Option("Invoice's tax", ""), ...rates.map((rate) => new Option(rateLabel(rate), rate.id)));
  select.value = rates.some((rate) => rate.id === chosen) ? chosen : "";
  select.parentElement.hidden = !rates.length;
}

/** An item's own tax rate (none chosen: the invoice's), for the catalog's row `index`. */
export function itemTaxControl(index, product) {
  const wrap = element("span", "item-tax-field");
  const label = element("label", "visually-hidden", `Tax rate of ${product}`);
  label.htmlFor = `tax-${index}`;
  const select = element("select", "item-tax");
  select.id = `tax-${index}`;
  const error = element("span", "error");
  error.id = `tax-${index}-error`;
  select.setAttribute("aria-describedby", error.id);
  wrap.append(label, select, error);
  fillItemTax(select);
  return wrap;
}

/** What of the tax rates and discounts a send carries (only what was chosen), and the input
 * each discount came from, in the body's order, for its errors. */
export function adjustmentsOf() {
  const body = {};
  const taxRates = [...rateList.querySelectorAll("input:checked")].map((box) => box.value);
  if (taxRates.length) body.tax_rates = taxRates;
  const discounts = [];
  const inputs = [];
  if (couponSelect.value) {
    discounts.push({ coupon: couponSelect.value });
    inputs.push(couponSelect);
  }
  if (codeInput.value.trim()) {
    discounts.push({ promotion_code: codeInput.value.trim() });
    inputs.push(codeInput);
  }
  if (discounts.length) body.discounts = discounts;
  return { body, discountInputs: inputs };
}

/** The error line of a tax rate's or discount's `field` (`tax_rates[1]`, `discounts[0].coupon`),
 * or null when the field is none of theirs. */
export function adjustmentTarget(field, discountInputs) {
  if (field === "tax_rates" || field.startsWith("tax_rates[")) return "tax_rates-error";
  const discount = field.match(/^discounts\[(\d+)\]/);
  if (discount && discountInputs[Number(discount[1])]) return `${discountInputs[Number(discount[1])].id}-error`;
  if (field.startsWith("discounts")) return "discounts-error";
  return null;
}

const sum = (amounts) => amounts.reduce((total, amount) => total + amount, 0);

/** `amount` shared out over `lefts` pro rata, in whole units summing to `amount` (the cents
 * left over to the largest remainders), as Stripe shares an amount off over the lines. */
function shared(amount, lefts) {
  const base = sum(lefts);
  if (!base) return lefts.map(() => 0);
  const exact = lefts.map((left) => (amount * left) / base);
  const shares = exact.map(Math.floor);
  const order = exact.map((value, i) => i).sort((a, b) => exact[b] - shares[b] - (exact[a] - shares[a]));
  for (const i of order.slice(0, amount - sum(shares))) shares[i] += 1;
  return shares;
}

/** The coupons chosen: the picked one, then the promotion code's (when it is a known code). */
function chosenCoupons() {
  const chosen = coupons.filter((coupon) => coupon.id === couponSelect.value);
  const code = codeInput.value.trim().toLowerCase();
  const coded = code && coupons.find((coupon) => (coupon.promotion_codes || []).some((p) => p.code.toLowerCase() === code || p.id === code));
  if (coded) chosen.push(coded);
  return chosen;
}

/** What Stripe would likely make of `lines` (`{amount, tax}`, `tax` an item's own rate id or
 * "") in `currency`, following its documented order: the discounts first (a percentage off
 * each line, an amount off shared over them), then the tax on what is left of each line, an
 * inclusive rate's inside the amount and an exclusive one's added. Only an estimate: the page
 * cannot know every rule of Stripe's arithmetic, so the invoice's own amounts are Stripe's. */
export function estimate(lines, currency) {
  const lefts = lines.map((line) => line.amount);
  let discount = 0;
  for (const coupon of chosenCoupons()) {
    let shares;
    if (coupon.percent_off != null) shares = lefts.map((left) => Math.round((left * coupon.percent_off) / 100));
    else if (coupon.currency === currency) shares = shared(Math.min(coupon.amount_off, sum(lefts)), lefts);
    else continue;
    shares.forEach((share, i) => (lefts[i] -= share));
    discount += sum(shares);
  }
  const everyLine = [...rateList.querySelectorAll("input:checked")].map((box) => box.value);
  let added = 0;
  let included = 0;
  lines.forEach((line, i) => {
    const ids = line.tax ? [line.tax] : everyLine;
    const lineRates = rates.filter((rate) => ids.includes(rate.id));
    const inclusive = sum(lineRates.filter((rate) => rate.inclusive).map((rate) => rate.percentage));
    const inside = lefts[i] - Math.round((lefts[i] * 100) / (100 + inclusive));
    included += inside;
    for (const rate of lineRates) {
      if (!rate.inclusive) added += Math.round(((lefts[i] - inside) * rate.percentage) / 100);
    }
  });
  const subtotal = sum(lines.map((line) => line.amount));
  return { subtotal, discount, tax: added + included, included, total: subtotal - discount + added };
}

/** The estimate's parts in words, when a discount or tax is in it ("" otherwise). */
export function estimateText(estimated, currency) {
  const of = (amount) => money(amount, currency);
  if (!estimated.discount && !estimated.tax) return "";
  const parts = [`Subtotal ${of(estimated.subtotal)}`];
  if (estimated.discount) parts.push(`discount −${of(estimated.discount)}`);
  if (estimated.tax) {
    const inside = estimated.included;
    const note = inside >= estimated.tax ? " (included in the prices)" : inside ? ` (${of(inside)} of it included in the prices)` : "";
    parts.push(`tax ${of(estimated.tax)}${note}`);
  }
  return `${parts.join(", ")}.`;
}
