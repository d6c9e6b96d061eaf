import { expect } from "chai";
import request from "supertest";
import { startTestNode, type TestNode } from "../support/node.ts";
import { createGroup, createUser, type TestUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { delivered, Devices } from "../cluster/devices.ts";
import { parseProm, sampleValue, type Sample } from "./prom-text.ts";

const TOKEN = "metrics-token-for-tests";

describe("GET /metrics", () => {
  let node: TestNode;
  let other: TestNode;
  // Closed at the end, not after each test: the last test counts the sockets the second opened.
  const devices = new Devices();
  let u: TestUser;
  let v: TestUser;

  const scrape = async (n: TestNode): Promise<Sample[]> => {
    const res = await request(n.url).get("/metrics").set("Authorization", `Bearer ${TOKEN}`).expect(200);
    expect(res.headers["content-type"]).to.match(/^text\/plain; version=0\.0\.4/);
    return parseProm(res.text);
  };

  before(async () => {
    node = await startTestNode({ METRICS_TOKEN: TOKEN });
    other = await startTestNode({ METRICS_TOKEN: TOKEN });
    u = await createUser(node.url, "U");
    v = await createUser(node.url, "V");
  });
  after(async () => {
    devices.closeAll();
    await node.close();
    await other.close();
  });

  it("refuses a scrape without the METRICS_TOKEN", async () => {
    const none = await request(node.url).get("/metrics").expect(401);
    expect(none.body.error.code).to.equal("unauthorized");
    await request(node.url).get("/metrics").set("Authorization", "Bearer wrong").expect(401);
  });

  it("counts a message through: events in/out, ack and delivery latency, DB batch, sockets", async () => {
    const chatId = await createGroup(node.url, u, [v]);
    const [su, sv] = await Promise.all([devices.connect(node.url, u), devices.connect(node.url, v)]);
    su.track(chatId, 0);
    sv.track(chatId, 0);
    const got = delivered(sv);
    const before = await scrape(node);
    const sentAt = Date.now();
    const { message } = await su.send(chatId, "counted");
    await eventually(() => expect(got.map((m) => m.id)).to.include(message.id));
    // A refused send is counted with its error code.
    await su
      .request("message:send", { chat_id: 999_999, client_id: crypto.randomUUID(), text: "x" })
      .catch(() => undefined);

    const m = await eventually(async () => {
      const s = await scrape(node);
      expect(sampleValue(s, "chat_events_out_total", { event: "message:new" })).to.equal(2);
      return s;
    });
    // No delivery can have taken longer than the time since the send began.
    const sinceSend = (Date.now() - sentAt) / 1000;
    const delta = (name: string, labels: Record<string, string> = {}) =>
      (sampleValue(m, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);

    expect(sampleValue(m, "chat_sockets_connected")).to.equal(2);
    expect(delta("chat_events_in_total", { event: "message:send" })).to.equal(2);
    expect(delta("chat_ack_latency_seconds_count", { event: "message:send" })).to.equal(2);
    expect(sampleValue(m, "chat_ack_latency_seconds_sum", { event: "message:send" })).to.be.greaterThan(0);
    expect(delta("chat_ack_errors_total", { event: "message:send", code: "chat_not_found" })).to.equal(1);
    expect(delta("chat_broadcasts_total", { event: "message:new" })).to.equal(1);
    // Both members' sockets got message:new (the sender's devices too).
    expect(delta("chat_delivery_latency_seconds_count")).to.equal(2);
    expect(delta("chat_delivery_latency_seconds_sum")).to.be.within(0, 2 * sinceSend);
    // Two group commits of one send each, one after the other: the message, and the refused send
    // (whose chat is looked up inside the commit).
    expect(delta("chat_db_batch_size_count")).to.equal(2);
    expect(delta("chat_db_batch_size_sum")).to.equal(2);
    expect(delta("chat_db_batch_duration_seconds_count")).to.equal(2);
    expect(delta("chat_db_batch_duration_seconds_sum")).to.be.within(0, sinceSend);
    expect(sampleValue(m, "chat_handlers_in_flight")).to.equal(0);
    expect(sampleValue(m, "chat_node_info", { version: "0.1.0" })).to.equal(1);
    // prom-client's defaults: event loop lag and memory.
    expect(sampleValue(m, "nodejs_eventloop_lag_seconds")).to.be.a("number");
    expect(sampleValue(m, "process_resident_memory_bytes")).to.be.greaterThan(0);
    // Every series is labelled with the node id.
    expect(m.every((s) => s.labels.node === node.nodeId)).to.equal(true);
  });

  it("keeps each node's registry apart (two nodes in one process)", async () => {
    const s = await scrape(other);
    expect(sampleValue(s, "chat_events_in_total", { event: "message:send" })).to.equal(undefined);
    expect(sampleValue(s, "chat_sockets_connected")).to.equal(0);
    expect(s.every((x) => x.labels.node === other.nodeId)).to.equal(true);
  });

  it("shows a single node's cluster view to the first registered user only", async () => {
    const res = await request(node.url).get("/api/v1/admin/cluster").set(u.auth).expect(200);
    expect(res.body.mode).to.equal("single");
    expect(res.body.redis).to.equal(null);
    expect(res.body.nodes).to.have.length(1);
    expect(res.body.nodes[0]).to.include({ id: node.nodeId, self: true, sockets: 2, version: "0.1.0" });
    expect(res.body.totals).to.deep.equal({ nodes: 1, sockets: 2 });
    const denied = await request(node.url).get("/api/v1/admin/cluster").set(v.auth).expect(403);
    expect(denied.body.error.code).to.equal("forbidden");
    await request(node.url).get("/api/v1/admin/cluster").expect(401);
  });
});
