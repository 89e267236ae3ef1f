// The guide's flow (Stripe's "Integrate with the Invoicing API") through the official Node SDK
// against the emulator, run as a process (`python -m stripe_emulator`), with a webhook received
// by a small HTTP server and verified by the SDK's `stripe.webhooks.constructEvent`.
//
// EMULATOR_PYTHON names the Python that runs the emulator (default: the project's .venv).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import Stripe from "stripe";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYTHON = process.env.EMULATOR_PYTHON || path.join(ROOT, ".venv", "bin", "python");

let emulator;
let stripe;
let receiver;
const received = [];

async function freePort() {
  const server = net.createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

async function waitFor(predicate, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  const port = await freePort();
  emulator = spawn(PYTHON, ["-m", "stripe_emulator", "--port", String(port), "--quiet"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitFor(async () => {
    try {
      const info = await (await fetch(`http://127.0.0.1:${port}/_emulator/info`)).json();
      return info.object === "emulator";
    } catch {
      return false; // not listening yet
    }
  });
  stripe = new Stripe("sk_test_node_flow", { host: "127.0.0.1", port, protocol: "http" });

  receiver = http.createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ body: Buffer.concat(chunks), signature: request.headers["stripe-signature"] });
      response.writeHead(200).end();
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
});

after(async () => {
  receiver?.close();
  if (emulator && emulator.exitCode === null) {
    emulator.kill("SIGTERM");
    await once(emulator, "exit");
  }
});

async function draft(customer, price) {
  const invoice = await stripe.invoices.create({
    customer: customer.id,
    collection_method: "send_invoice",
    days_until_due: 30,
    pending_invoice_items_behavior: "exclude",
  });
  await stripe.invoices.addLines(invoice.id, {
    lines: [{ pricing: { price: price.id }, quantity: 2 }],
  });
  return invoice;
}

test("the guide's flow: catalog, customer, invoice, finalize, send, pay, void, uncollectible, webhook", async () => {
  const endpoint = await stripe.webhookEndpoints.create({
    url: `http://127.0.0.1:${receiver.address().port}/webhook`,
    enabled_events: ["invoice.finalized", "invoice.paid"],
  });
  assert.match(endpoint.secret, /^whsec_/);

  const product = await stripe.products.create({ name: "Gold Special" });
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1000, currency: "usd" });
  const customer = await stripe.customers.create({
    name: "Jenny Rosen",
    email: "jenny.rosen@example.com",
    description: "My first customer",
  });

  const invoice = await draft(customer, price);
  const item = await stripe.invoiceItems.create({
    customer: customer.id,
    invoice: invoice.id,
    pricing: { price: price.id },
  });
  assert.equal(item.invoice, invoice.id);
  assert.equal(item.amount, 1000);

  const finalized = await stripe.invoices.finalizeInvoice(invoice.id, {
    expand: ["confirmation_secret"],
  });
  assert.equal(finalized.status, "open");
  assert.equal(finalized.amount_due, 3000);
  assert.equal(finalized.auto_advance, false);
  assert.match(finalized.confirmation_secret.client_secret, /^pi_.+_secret_/);

  const sent = await stripe.invoices.sendInvoice(invoice.id);
  assert.equal(sent.status, "open");
  assert.ok(sent.hosted_invoice_url && sent.number);

  const paid = await stripe.invoices.pay(invoice.id, { payment_method: "pm_card_visa" });
  assert.equal(paid.status, "paid");
  assert.equal(paid.amount_paid, 3000);

  const voided = await stripe.invoices.voidInvoice((await draft(customer, price)).id).catch((e) => e);
  assert.equal(voided.type, "StripeInvalidRequestError"); // a draft is deleted, not voided
  assert.equal(voided.code, "status_transition_invalid");
  const toVoid = await draft(customer, price);
  await stripe.invoices.sendInvoice(toVoid.id);
  assert.equal((await stripe.invoices.voidInvoice(toVoid.id)).status, "void");

  const bad = await draft(customer, price);
  await stripe.invoices.sendInvoice(bad.id);
  const uncollectible = await stripe.invoices.markUncollectible(bad.id);
  assert.equal(uncollectible.status, "uncollectible");
  assert.equal((await stripe.invoices.pay(bad.id, { paid_out_of_band: true })).status, "paid");

  const listed = await stripe.invoices.list({ customer: customer.id, limit: 10 });
  assert.deepEqual(new Set(listed.data.map((i) => i.status)), new Set(["paid", "void", "draft"]));

  // The webhook: signed as Stripe signs, verified by the SDK.
  const paidEvents = await waitFor(() => {
    const events = received.map(({ body, signature }) =>
      stripe.webhooks.constructEvent(body, signature, endpoint.secret),
    );
    const found = events.filter((e) => e.type === "invoice.paid");
    return found.length === 2 && found;
  });
  assert.deepEqual(paidEvents.map((e) => e.data.object.id).sort(), [invoice.id, bad.id].sort());
  const { body, signature } = received[0];
  assert.throws(
    () => stripe.webhooks.constructEvent(body, signature, "whsec_wrong"),
    Stripe.errors.StripeSignatureVerificationError,
  );
  const tampered = Buffer.from(body.toString().replace('"livemode": false', '"livemode": true'));
  assert.throws(() => stripe.webhooks.constructEvent(tampered, signature, endpoint.secret));
});

test("Stripe's errors reach the Node SDK as its error classes", async () => {
  await assert.rejects(stripe.invoices.retrieve("in_missing"), (error) => {
    assert.equal(error.type, "StripeInvalidRequestError");
    assert.equal(error.code, "resource_missing");
    assert.equal(error.statusCode, 404);
    assert.match(error.raw.request_log_url, /req_/);
    return true;
  });
  await assert.rejects(stripe.customers.create({ favourite_colour: "red" }), (error) => {
    assert.equal(error.code, "parameter_unknown");
    assert.equal(error.param, "favourite_colour");
    return true;
  });
});
