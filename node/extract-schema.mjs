// Extract, from the official Node SDK's TypeScript definitions, the schema of the objects the
// Stripe emulator serves, into ../tests/emulator/stripe_schema/schema.json (small, reproducible, offline).
//
// The SDK's definitions are generated from Stripe's OpenAPI spec for exactly one API version:
// `field: T | null` is always present (possibly null), `field?: T` may be absent (expandable or
// includable). Regenerate after moving the `stripe` pin in package.json:
//
//     cd node && npm ci && npm run extract-schema
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
// The installed package, found as node finds it (its package.json is not an export).
const require = createRequire(import.meta.url);
const sdk = path.join(require.resolve("stripe").split(`${path.sep}node_modules${path.sep}stripe${path.sep}`)[0], "node_modules", "stripe");
const OUT = path.join(here, "..", "tests", "emulator", "stripe_schema", "schema.json");

// The object types the emulator serves, by the SDK file that declares them.
const ROOTS = {
  "resources/Products.d.ts": ["Product", "DeletedProduct"],
  "resources/Prices.d.ts": ["Price", "DeletedPrice"],
  "resources/Customers.d.ts": ["Customer", "DeletedCustomer"],
  "resources/Coupons.d.ts": ["Coupon", "DeletedCoupon"],
  "resources/Discounts.d.ts": ["Discount", "DeletedDiscount"],
  "resources/PromotionCodes.d.ts": ["PromotionCode"],
  "resources/TaxRates.d.ts": ["TaxRate"],
  "resources/TaxIds.d.ts": ["TaxId", "DeletedTaxId"],
  "resources/CustomerBalanceTransactions.d.ts": ["CustomerBalanceTransaction"],
  "resources/Charges.d.ts": ["Charge"],
  "resources/Refunds.d.ts": ["Refund"],
  "resources/CreditNotes.d.ts": ["CreditNote"],
  "resources/CreditNoteLineItems.d.ts": ["CreditNoteLineItem"],
  "resources/Invoices.d.ts": ["Invoice", "DeletedInvoice"],
  "resources/InvoiceItems.d.ts": ["InvoiceItem", "DeletedInvoiceItem"],
  "resources/InvoiceLineItems.d.ts": ["InvoiceLineItem"],
  "resources/InvoicePayments.d.ts": ["InvoicePayment"],
  "resources/PaymentIntents.d.ts": ["PaymentIntent"],
  "resources/WebhookEndpoints.d.ts": ["WebhookEndpoint", "DeletedWebhookEndpoint"],
  "resources/TestHelpers/TestClocks.d.ts": ["TestClock", "DeletedTestClock"],
  "resources/Events.d.ts": ["EventBase"],
  "Types.d.ts": ["StripeRawError"],
};
// Declarations in these files are described in full wherever they are used (Address, ...).
const SHARED = ["shared.d.ts"];
// Namespaces that hold the nested types of a root of another name (EventBase's `Event.Data`).
const NAMESPACES = { "resources/Events.d.ts": ["Event"] };

const files = Object.keys(ROOTS).map((file) => path.join(sdk, "cjs", file));
const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true });
const checker = program.getTypeChecker();

const rootNames = new Set(Object.values(ROOTS).flat());
const definitions = {};
const pending = [];

function declarationFile(symbol) {
  const declaration = symbol?.declarations?.[0];
  return declaration ? path.relative(path.join(sdk, "cjs"), declaration.getSourceFile().fileName) : "";
}

/** `"/.../resources/Invoices".Invoice.AutomaticTax` → `Invoice.AutomaticTax`. */
function qualifiedName(symbol) {
  return checker.getFullyQualifiedName(symbol).replace(/^"[^"]*"\./, "");
}

/** Whether a named type is described here, or only named (a resource the emulator never expands). */
function described(name, symbol) {
  const file = declarationFile(symbol);
  if (SHARED.includes(file)) return true;
  const [head] = name.split(".");
  return [...(ROOTS[file] ?? []), ...(NAMESPACES[file] ?? [])].includes(head);
}

function describeUnion(types) {
  const literals = [];
  const members = [];
  let open = false;
  let booleans = 0;
  for (const member of types) {
    if (member.flags & ts.TypeFlags.Undefined) continue;
    // `'a' | 'b' | OtherString`: the SDK leaves room for values of later API versions; the
    // values this version documents are the literals.
    if (member.isIntersection() && types.some((t) => t.isStringLiteral())) continue;
    if (member.flags & ts.TypeFlags.BooleanLiteral) {
      booleans += 1;
      continue;
    }
    if (member.isStringLiteral() || member.isNumberLiteral()) {
      literals.push(member.value);
      continue;
    }
    const shape = describe(member);
    if (shape.kind === "string") open = true;
    else members.push(shape);
  }
  if (booleans) members.push({ kind: "boolean" });
  if (open) members.push({ kind: "string" });
  else if (literals.length) members.push({ kind: "enum", values: literals.sort() });
  return members.length === 1 ? members[0] : { kind: "union", of: members };
}

function describe(type) {
  const flags = type.flags;
  if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return { kind: "any" };
  if (flags & ts.TypeFlags.Void) return { kind: "absent" };
  if (flags & ts.TypeFlags.Null) return { kind: "null" };
  if (type.isUnion()) return describeUnion(type.types);
  if (flags & ts.TypeFlags.StringLike && !type.isStringLiteral()) return { kind: "string" };
  if (type.isStringLiteral() || type.isNumberLiteral()) return { kind: "enum", values: [type.value] };
  if (flags & ts.TypeFlags.NumberLike) return { kind: "number" };
  if (flags & ts.TypeFlags.BooleanLike) return { kind: "boolean" };
  // The SDK's Decimal (a branded intersection) is a decimal string on the wire.
  if (type.aliasSymbol?.getName() === "Decimal") return { kind: "decimal" };
  // `OtherString` (string & Record<never, never>) keeps an enum open.
  if (type.isIntersection()) {
    return type.types.some((t) => t.flags & ts.TypeFlags.String) ? { kind: "string" } : { kind: "any" };
  }
  if (checker.isArrayType(type)) return { kind: "array", items: describe(checker.getTypeArguments(type)[0]) };
  const symbol = type.aliasSymbol ?? type.getSymbol();
  const name = symbol?.getName();
  if (name === "ApiList") return { kind: "list", items: describe(elementOf(type)) };
  if (name === "Partial" && type.aliasTypeArguments) {
    return { kind: "partial", of: describe(type.aliasTypeArguments[0]) };
  }
  const properties = checker.getPropertiesOfType(type);
  const index = checker.getIndexInfosOfType(type);
  if (!properties.length && index.length) return { kind: "map", values: describe(index[0].type) };
  if (!properties.length) return { kind: "any" };
  const qualified = symbol && qualifiedName(symbol);
  if (rootNames.has(qualified)) return { kind: "ref", name: qualified };
  if (!symbol || symbol.flags & ts.SymbolFlags.TypeLiteral) return { kind: "object", fields: fieldsOf(type) };
  if (!described(qualified, symbol)) return { kind: "external", name: qualified };
  if (!(qualified in definitions)) {
    definitions[qualified] = null;
    pending.push([qualified, type]);
  }
  return { kind: "ref", name: qualified };
}

function elementOf(listType) {
  const data = checker.getTypeOfSymbol(listType.getProperty("data"));
  return checker.getTypeArguments(data)[0];
}

function fieldsOf(type) {
  const fields = {};
  for (const property of checker.getPropertiesOfType(type)) {
    const optional = Boolean(property.flags & ts.SymbolFlags.Optional);
    fields[property.getName()] = { type: describe(checker.getTypeOfSymbol(property)), optional };
  }
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b)));
}

function exported(file, name) {
  const source = program.getSourceFile(path.join(sdk, "cjs", file));
  const module = checker.getSymbolAtLocation(source);
  const symbol = checker.getExportsOfModule(module).find((s) => s.getName() === name);
  if (!symbol) throw new Error(`${file} exports no ${name}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

const objects = {};
const deleted = {};
const rootTypes = new Map();
for (const [file, names] of Object.entries(ROOTS)) {
  for (const name of names) {
    const type = exported(file, name);
    rootTypes.set(type, name);
    definitions[name] = fieldsOf(type);
    const object = type.getProperty("object");
    const literal = object && checker.getTypeOfSymbol(object);
    if (literal?.isStringLiteral()) {
      const isDeleted = type.getProperty("deleted") && !(type.getProperty("deleted").flags & ts.SymbolFlags.Optional);
      (isDeleted ? deleted : objects)[literal.value] = name;
    }
  }
}
while (pending.length) {
  const [name, type] = pending.shift();
  definitions[name] = fieldsOf(type);
}

// Each event type and the object type its `data.object` is, for the object types above.
const events = {};
const eventsFile = program.getSourceFile(path.join(sdk, "cjs", "resources/Events.d.ts"));
for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(eventsFile))) {
  if (!symbol.getName().endsWith("Event") || !(symbol.flags & ts.SymbolFlags.Interface)) continue;
  const type = checker.getDeclaredTypeOfSymbol(symbol);
  const eventType = type.getProperty("type") && checker.getTypeOfSymbol(type.getProperty("type"));
  const data = type.getProperty("data") && checker.getTypeOfSymbol(type.getProperty("data"));
  const object = data?.getProperty("object") && checker.getTypeOfSymbol(data.getProperty("object"));
  const objectName = rootTypes.get(object);
  if (eventType?.isStringLiteral() && Object.values(objects).includes(objectName)) {
    events[eventType.value] = objectName;
  }
}

const pkg = JSON.parse(readFileSync(path.join(sdk, "package.json"), "utf8"));
const apiVersion = readFileSync(path.join(sdk, "cjs", "apiVersion.js"), "utf8").match(/ApiVersion = '([^']+)'/)[1];
const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const extract = {
  source: {
    package: `stripe@${pkg.version}`,
    api_version: apiVersion,
    made_by: "node/extract-schema.mjs",
  },
  objects: sorted(objects),
  deleted: sorted(deleted),
  events: sorted(events),
  definitions: sorted(definitions),
};
writeFileSync(OUT, `${JSON.stringify(extract, null, 1)}\n`);
console.log(
  `${OUT}: ${Object.keys(definitions).length} types, ${Object.keys(events).length} event types, ` +
    `from stripe@${pkg.version} (API ${apiVersion})`,
);
