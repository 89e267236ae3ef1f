// The form's "Customer details" (address, phone, tax ID): the `customer` object a send carries,
// holding only what was filled in, and the input each of its errors belongs to.
const ADDRESS = ["line1", "line2", "city", "postal_code", "state", "country"];
// The server names a field by its place in the body; the page's inputs are flat.
const TARGETS = {
  "customer.name": "name",
  "customer.phone": "phone",
  "customer.address": "address_line1",
  "customer.tax_id": "tax_id_value",
  "customer.tax_id.type": "tax_id_type",
  "customer.tax_id.value": "tax_id_value",
};

const typed = (id) => document.getElementById(id).value.trim();

/** The customer's details as `POST /invoices` takes them, or null when none was given. A tax
 * ID type alone says nothing, so it goes only with a value. */
export function customerOf() {
  const customer = {};
  const address = {};
  for (const key of ADDRESS) {
    if (typed(`address_${key}`)) address[key] = typed(`address_${key}`);
  }
  if (Object.keys(address).length) customer.address = address;
  if (typed("phone")) customer.phone = typed("phone");
  if (typed("tax_id_value")) customer.tax_id = { type: typed("tax_id_type"), value: typed("tax_id_value") };
  return Object.keys(customer).length ? customer : null;
}

/** The error line of a `customer...` field (`customer.address.country` → the Country input's),
 * or null when the field is not the customer's. */
export function customerTarget(field) {
  const address = field.match(/^customer\.address\.(\w+)$/);
  if (address && ADDRESS.includes(address[1])) return `address_${address[1]}-error`;
  return TARGETS[field] ? `${TARGETS[field]}-error` : null;
}
