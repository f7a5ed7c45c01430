// The TypeScript client against a real Connector Service on loopback: the test starts
// `connector-service serve` itself (the repository's .venv, or CS_PYTHON) with a
// temporary config holding one API key, on free ports, and stops it afterwards.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConnectorServiceClient, ConnectorServiceError, verifyWebhook } from "../src/index.js";

// dist/test/client.test.js → the repository root is four levels up
const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const PYTHON = process.env.CS_PYTHON ?? join(REPO, ".venv", "bin", "python");
const API_KEY = "key-ts-sdk";
const CARD = { type: "card", number: "4242424242424242", exp_month: 12, exp_year: 2034 } as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

let service: ChildProcess;
let baseUrl: string;
let tmp: string;
const output: Buffer[] = [];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "cs-ts-"));
  const [port, grpcPort] = [await freePort(), await freePort()];
  const keyHash = createHash("sha256").update(API_KEY).digest("hex");
  const config = join(tmp, "config.toml");
  writeFileSync(
    config,
    [
      "[[accounts]]", 'id = "sandbox"', 'connector = "sandbox"', "",
      "[[callers]]", 'id = "ts-sdk"', `key_sha256 = "${keyHash}"`, "",
    ].join("\n"),
  );
  const env = { ...process.env, CS_CONFIG: config, CS_STORAGE_URL: `sqlite:///${join(tmp, "cs.db")}` };
  service = spawn(
    PYTHON,
    ["-m", "connector_service.cli.main", "serve", "--port", String(port), "--grpc-port",
     String(grpcPort)],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  service.stdout?.on("data", (c: Buffer) => output.push(c));
  service.stderr?.on("data", (c: Buffer) => output.push(c));
  baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (service.exitCode !== null) {
      throw new Error(`the service exited: ${Buffer.concat(output).toString()}`);
    }
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the service did not start: ${Buffer.concat(output)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

after(async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((resolve) => service.once("exit", resolve));
    service.kill("SIGTERM");
    await exited;
  }
  rmSync(tmp, { recursive: true, force: true });
  // Nothing in the service's log may hold the card numbers or the API key.
  const logs = Buffer.concat(output).toString();
  assert.ok(logs.includes("/v1/payments"), "the service logged no request");
  for (const secretText of ["4242424242424242", "4242424242424241", API_KEY]) {
    assert.ok(!logs.includes(secretText), `the service log holds ${secretText}`);
  }
});

function client(): ConnectorServiceClient {
  return new ConnectorServiceClient({ baseUrl, apiKey: API_KEY, retryBackoffMs: 10 });
}

describe("payments", () => {
  test("authorize, partial capture, refund and sync", async () => {
    const cs = client();
    const payment = await cs.createPayment({
      amount: 5000, currency: "EUR", capture_method: "manual", payment_method: CARD,
    });
    assert.equal(payment.status, "authorized");
    assert.equal(payment.amount, 5000);
    assert.equal(payment.payment_method?.card?.last4, "4242");
    const captured = await cs.capturePayment(payment.id, { amount: 3000 });
    assert.equal(captured.status, "partially_captured");
    assert.equal(captured.amount_captured, 3000);
    const refund = await cs.createRefund(payment.id, { amount: 1000 });
    assert.equal(refund.status, "succeeded");
    assert.equal(refund.payment_id, payment.id);
    assert.equal((await cs.getRefund(refund.id)).amount, 1000);
    assert.equal((await cs.getPayment(payment.id)).amount_captured, 3000);
  });

  test("void, and a decline is a result", async () => {
    const cs = client();
    const payment = await cs.createPayment({
      amount: 700, currency: "EUR", capture_method: "manual", payment_method: CARD,
    });
    assert.equal((await cs.voidPayment(payment.id, { reason: "customer" })).status, "voided");
    const declined = await cs.createPayment({
      amount: 700, currency: "EUR", payment_method: { ...CARD, number: "4000000000009995" },
    });
    assert.equal(declined.status, "failed");
    assert.equal(declined.failure?.code, "insufficient_funds");
    assert.equal(declined.failure?.category, "soft");
  });

  test("idempotency: the same key replays the first answer", async () => {
    const cs = client();
    const body = { amount: 1234, currency: "EUR", payment_method: CARD };
    const key = `ts-${randomBytes(8).toString("hex")}`;
    const first = await cs.createPayment(body, { idempotencyKey: key });
    const again = await cs.createPayment(body, { idempotencyKey: key });
    assert.deepEqual(again, first);
    const other = await cs.createPayment(body);
    assert.notEqual(other.id, first.id);
  });

  test("mandates and connectors", async () => {
    const cs = client();
    const mandate = await cs.createMandate({
      currency: "EUR", payment_method: CARD, customer: { id: "cust-ts" },
    });
    assert.equal(mandate.status, "active");
    const charge = await cs.createPayment({
      amount: 1500, currency: "EUR", payment_method: { type: "mandate", mandate_id: mandate.id },
    });
    assert.equal(charge.status, "captured");
    assert.equal((await cs.revokeMandate(mandate.id)).status, "revoked");
    const connectors = await cs.listConnectors();
    assert.deepEqual(connectors.find((c) => c.name === "sandbox")?.accounts, ["sandbox"]);
  });
});

describe("disputes", () => {
  test("a disputed payment: list, get, evidence (text and a file), accept", async () => {
    const cs = client();
    const disputed = { ...CARD, number: "4000000000000259" };
    const won = await cs.createPayment({ amount: 800, currency: "EUR", payment_method: disputed });
    const conceded = await cs.createPayment({
      amount: 900, currency: "EUR", payment_method: disputed,
    });
    const page = await cs.listDisputes({ account: "sandbox", limit: 100 });
    const first = page.data.find((d) => d.payment_id === won.id);
    const second = page.data.find((d) => d.payment_id === conceded.id);
    assert.ok(first && second);
    const got = await cs.getDispute(first.id);
    assert.equal(got.id, first.id);
    assert.equal(got.status, "needs_response");
    assert.equal(got.amount, 800);
    await assert.rejects(
      cs.submitDisputeEvidence(first.id, {
        evidence: [{ type: "receipt", file: "UEsDBA==", file_name: "r.zip",
                     content_type: "application/zip" }],
      }),
      (err: unknown) =>
        err instanceof ConnectorServiceError && err.field === "evidence[0].content_type",
    );
    const answered = await cs.submitDisputeEvidence(first.id, {
      evidence: [
        { type: "uncategorized", text: "winning_evidence" },
        { type: "receipt", file: Buffer.from("%PDF-1.4").toString("base64"),
          file_name: "r.pdf", content_type: "application/pdf" },
      ],
    });
    assert.equal(answered.status, "under_review");
    assert.equal(answered.evidence_submitted, true);
    assert.equal((await cs.getDispute(first.id)).status, "won");
    const accepted = await cs.acceptDispute(second.id);
    assert.equal(accepted.status, "accepted");
  });
});

describe("payment lifecycle: increments, several captures, stored methods", () => {
  test("increment to a new total, then capture in parts", async () => {
    const cs = client();
    const payment = await cs.createPayment({
      amount: 6000, currency: "EUR", capture_method: "manual", payment_method: CARD,
      incremental_authorization: true, multiple_captures: true,
    });
    const raised = await cs.incrementPayment(payment.id, { total_amount: 8000 });
    assert.equal(raised.amount, 8000);
    assert.equal(raised.status, "authorized");
    const part = await cs.capturePayment(payment.id, { amount: 3000, final_capture: false });
    assert.equal(part.status, "partially_captured");
    assert.equal(part.amount_captured, 3000);
    const rest = await cs.capturePayment(payment.id, {});
    assert.equal(rest.status, "captured");
    assert.equal(rest.amount_captured, 8000);
  });

  test("a customer's stored methods carry their mandate ids", async () => {
    const cs = client();
    const customer = `ts-${randomBytes(6).toString("hex")}`;
    const mandate = await cs.createMandate({
      currency: "EUR", payment_method: CARD, customer: { id: customer },
    });
    const listed = await cs.listMandates("sandbox", customer);
    assert.deepEqual(listed.data.map((m) => m.id), [mandate.id]);
    assert.equal(listed.data[0]?.payment_method?.card?.last4, "4242");
    await cs.revokeMandate(mandate.id);
    assert.deepEqual((await cs.listMandates("sandbox", customer)).data, []);
  });
});

describe("errors", () => {
  test("an invalid card is a typed error naming the field", async () => {
    const cs = client();
    await assert.rejects(
      cs.createPayment(
        { amount: 700, currency: "EUR", payment_method: { ...CARD, number: "4242424242424241" } },
        { requestId: "ts-trace-1" },
      ),
      (err: unknown) => {
        assert.ok(err instanceof ConnectorServiceError);
        assert.equal(err.type, "invalid_request");
        assert.equal(err.code, "invalid_card_number");
        assert.equal(err.field, "payment_method.number");
        assert.equal(err.httpStatus, 400);
        assert.equal(err.requestId, "ts-trace-1");
        assert.ok(!err.message.includes("4242424242424241"));
        return true;
      },
    );
  });

  test("unknown ids, state conflicts, bad keys", async () => {
    const cs = client();
    await assert.rejects(cs.getPayment("pay_nope"), { code: "payment_not_found", httpStatus: 404 });
    const payment = await cs.createPayment({ amount: 100, currency: "EUR", payment_method: CARD });
    await assert.rejects(cs.voidPayment(payment.id), { type: "conflict", httpStatus: 409 });
    const stranger = new ConnectorServiceClient({ baseUrl, apiKey: "wrong" });
    await assert.rejects(stranger.listConnectors(), { type: "authentication", code: "invalid_api_key" });
  });

  test("an unreachable service is a connection error after the retries", async () => {
    const port = await freePort();
    const cs = new ConnectorServiceClient({ baseUrl: `http://127.0.0.1:${port}`, retryBackoffMs: 1 });
    await assert.rejects(cs.getPayment("pay_x"), { type: "connection", code: "connection_failed" });
  });
});

describe("webhooks", () => {
  // Signed here by hand, exactly as the Standard Webhooks spec says the service signs:
  // "v1," + base64(HMAC-SHA256(base64-decoded secret, "{id}.{timestamp}.{body}")).
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const body = JSON.stringify({ type: "payment.captured", data: { id: "pay_1", status: "captured" } });

  function sign(id: string, timestamp: number, payload: string): string {
    const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${payload}`).digest("base64");
    return `v1,${mac}`;
  }

  test("a correctly signed delivery verifies and parses", () => {
    const ts = Math.floor(Date.now() / 1000);
    const headers = {
      "Webhook-Id": "msg_1", "Webhook-Timestamp": String(ts),
      "Webhook-Signature": `v1,${randomBytes(32).toString("base64")} ${sign("msg_1", ts, body)}`,
    };
    const event = verifyWebhook<{ type: string }>(secret, body, headers);
    assert.equal(event.type, "payment.captured");
    assert.equal(verifyWebhook<{ type: string }>(secret, Buffer.from(body), headers).type,
      "payment.captured");
  });

  test("a tampered body, a wrong secret or an old timestamp is refused", () => {
    const ts = Math.floor(Date.now() / 1000);
    const headers = {
      "webhook-id": "msg_2", "webhook-timestamp": String(ts),
      "webhook-signature": sign("msg_2", ts, body),
    };
    assert.throws(() => verifyWebhook(secret, body.replace("captured", "refunded"), headers));
    assert.throws(() => verifyWebhook(`whsec_${randomBytes(24).toString("base64")}`, body, headers));
    const old = ts - 3600;
    assert.throws(() => verifyWebhook(secret, body, {
      "webhook-id": "msg_3", "webhook-timestamp": String(old),
      "webhook-signature": sign("msg_3", old, body),
    }));
  });
});
