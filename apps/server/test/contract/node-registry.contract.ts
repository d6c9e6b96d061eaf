/**
 * What every NodeRegistry (cluster/node-registry.ts) promises: a node lists itself with a fresh
 * heartbeat and its current snapshot, leaves the list at once when it closes, and — shared
 * implementations — lists every live node, dropping one that died within the TTL.
 */
import { expect } from "chai";
import type { NodeRegistry, NodeSnapshot } from "../../src/cluster/node-registry.ts";
import { eventually, sleep } from "../support/wait.ts";
import type { SeamFixture, SeamTraits } from "./fixture.ts";

/** Short enough that a dead node drops out within a test. */
export const REGISTRY_TTL_SECONDS = 1;

/** A node's self-description whose socket count the test moves. */
export function fakeSnapshot(instance: string) {
  const self = { sockets: 0 };
  const snapshot = (): NodeSnapshot => ({
    id: instance.split("~")[0],
    instance,
    address: "127.0.0.1:1",
    version: "contract",
    started_at: new Date(0).toISOString(),
    sockets: self.sockets,
    users_online: 0,
    load: [0, 0, 0],
    cores: 2,
    cpu_cores_used: null,
    cpu_percent_of_host: null,
    rss_bytes: 1,
    heap_used_bytes: 1,
    heap_total_bytes: 1,
    pool: { total: 0, idle: 0, waiting: 0 },
    window: null,
  });
  return { self, snapshot };
}

export type RegistryMaker = (snapshot: () => NodeSnapshot) => Promise<SeamFixture<NodeRegistry>>;

export function nodeRegistryContract(make: RegistryMaker, traits: SeamTraits) {
  let fx: SeamFixture<NodeRegistry>;
  let reg: NodeRegistry;
  let me: ReturnType<typeof fakeSnapshot>;
  beforeEach(async () => {
    me = fakeSnapshot("node-a~1");
    fx = await make(me.snapshot);
    reg = fx.impl;
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it("lists this node with its snapshot and a heartbeat time", async () => {
    expect(reg.ttlSeconds).to.equal(REGISTRY_TTL_SECONDS);
    const before = Date.now();
    const [entry, ...rest] = await reg.list();
    expect(rest).to.deep.equal([]);
    const { heartbeat_at, ...snapshot } = entry;
    expect(snapshot).to.deep.equal(me.snapshot());
    expect(Date.parse(heartbeat_at)).to.be.within(before - 1000, Date.now() + 1000);
  });

  it("each listing carries this node's current snapshot and a newer heartbeat", async () => {
    const [first] = await reg.list();
    me.self.sockets = 5;
    await sleep(5); // heartbeats are stamped in ms: let one pass
    const [second] = await reg.list();
    expect(second.sockets).to.equal(5);
    expect(Date.parse(second.heartbeat_at)).to.be.greaterThan(Date.parse(first.heartbeat_at));
  });

  it("a node that closes is withdrawn at once", async () => {
    await reg.close();
    expect((await reg.list()).map((e) => e.instance)).to.not.include("node-a~1");
  });

  if (!traits.cluster) return;

  it("every live node is listed, ordered by instance", async () => {
    const b = (await fx.otherNode!()).impl;
    const instances = async (r: NodeRegistry) => (await r.list()).map((e) => e.instance);
    expect(await instances(reg)).to.deep.equal(["node-a~1", "node-b~1"]);
    expect(await instances(b)).to.deep.equal(["node-a~1", "node-b~1"]);
    await b.close();
    expect(await instances(reg)).to.deep.equal(["node-a~1"]);
  });

  it("a dead node drops out within the TTL, with nobody cleaning up", async function () {
    this.timeout(5000 + REGISTRY_TTL_SECONDS * 1000);
    const b = await fx.otherNode!();
    expect((await reg.list()).map((e) => e.instance)).to.include("node-b~1");
    b.crash();
    await eventually(
      async () => expect((await reg.list()).map((e) => e.instance)).to.deep.equal(["node-a~1"]),
      3000 + REGISTRY_TTL_SECONDS * 1000,
    );
  });
}
