/**
 * The admin console in Chromium (issue 19 item 4): two nodes sharing a private Redis and one
 * database; the first registered user opens /admin (through the login form, which keeps the
 * address), sees both nodes with sensible figures (CPU within 0..cores), traffic moves the charts
 * and the Redis figures of item 3 (adapter per node, this cluster's pub/sub and keys, the cluster
 * path's cost), the node table fits 1400 px, a SIGKILLed node drops out (its chart line stays,
 * grey) and a third node started appears; a non-admin sees "Admins only".
 */
import crypto from "node:crypto";
import os from "node:os";
import { expect } from "chai";
import { ChatSocket } from "@chat/client";
import { startRedis, type RedisProcess } from "../../src/launcher/redis-process.ts";
import type { NodeProcess } from "../../src/launcher/node-process.ts";
import { freshDatabase } from "../support/db.ts";
import { spawnTestNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually, sleep } from "../support/wait.ts";
import { launchChromium, type Browser } from "../../../web/test/browser.ts";
import { ensureWebBuild } from "./web-fixture.ts";
import { ChatPage, PASSWORD } from "./web-pages.ts";

const TTL_SECONDS = 2;

describe("web admin console in Chromium: nodes, live charts, a node killed and one started", function () {
  this.timeout(240_000);
  let redis: RedisProcess;
  let browser: Browser;
  let env: Record<string, string>;
  const nodes: NodeProcess[] = [];
  const pages: ChatPage[] = [];
  const tag = crypto.randomUUID().slice(0, 6);
  const email = (name: string) => `${name}-${tag}@example.test`;

  before(async function () {
    this.timeout(90_000);
    ensureWebBuild();
    redis = await startRedis();
    env = {
      DATABASE_URL: await freshDatabase(),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `adm-${tag}`,
      PORT: "0",
      NODE_HEARTBEAT_SECONDS: String(TTL_SECONDS),
    };
    nodes.push(await spawnTestNode({ ...env, NODE_ID: "n1" }));
    const [n2, br] = await Promise.all([spawnTestNode({ ...env, NODE_ID: "n2" }), launchChromium()]);
    nodes.push(n2);
    browser = br;
  });
  after(async function () {
    this.timeout(30_000);
    await browser?.close().catch(() => undefined);
    await Promise.all(nodes.map((n) => n.kill("SIGTERM")));
    await redis?.stop();
  });
  afterEach(() => {
    for (const p of pages) expect(p.errors, "errors thrown in a page").to.deep.equal([]);
  });

  /** Node ids in the console's table, in order. */
  const rows = (p: ChatPage) =>
    p.page
      .locator(".admin-nodes tbody tr")
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-node")));
  /** A figure of a health panel by its data-figure id. */
  const figure = async (p: ChatPage, panel: string, id: string) =>
    (
      (await p.page
        .getByRole("region", { name: panel, exact: true })
        .locator(`dd[data-figure="${id}"]`)
        .textContent()) ?? ""
    ).trim();
  /** "512 B", "4.2 KB", "1.5 MB" → bytes. */
  const parseBytes = (text: string) => {
    const m = /^([\d.]+) (B|KB|MB)$/.exec(text);
    expect(m, text).to.not.equal(null);
    return Number(m![1]) * 1024 ** ["B", "KB", "MB"].indexOf(m![2]);
  };
  /** "12.5 / 3 (4.2 KB / 512 B)" → messages published / received per s, then their bytes per s. */
  const parseAdapter = (text: string) => {
    const m = /^([\d.]+) \/ ([\d.]+) \((.+) \/ (.+)\)$/.exec(text);
    expect(m, text).to.not.equal(null);
    return {
      published: Number(m![1]),
      received: Number(m![2]),
      publishedBytes: parseBytes(m![3]),
      receivedBytes: parseBytes(m![4]),
    };
  };
  const chart = (p: ChatPage, metric: string) =>
    p.page.locator(`figure.admin-chart[data-metric="${metric}"]`);

  it("the first user logs in at /admin and watches the cluster; a non-admin sees Admins only", async () => {
    // The first registered account is the admin; it registers in the chat, then opens /admin anew.
    const first = await ChatPage.open(browser, nodes[0].url);
    pages.push(first);
    await first.register("Ada", email("ada"));
    await first.context.close();
    pages.splice(pages.indexOf(first), 1);
    const adminTab = await ChatPage.open(browser, nodes[0].url, { width: 1400, height: 1000 });
    pages.push(adminTab);
    const p = adminTab.page;
    await p.goto("/admin");
    // Same login as the chat, and the address is kept through it.
    await p.getByLabel("Email").fill(email("ada"));
    await p.getByLabel("Password").fill(PASSWORD);
    await p.getByRole("button", { name: "Log in", exact: true }).click();
    await p.getByRole("heading", { name: "Admin console" }).waitFor();
    expect(new URL(p.url()).pathname).to.equal("/admin");

    await eventually(async () => expect(await rows(adminTab)).to.deep.equal(["n1", "n2"]), 10_000, 200);
    // CPU in cores, within 0..cores, once each node has a finished window.
    const cores = os.availableParallelism();
    await eventually(
      async () => {
        const cells = await p.locator('.admin-nodes td[data-cell="cpu"]').allTextContents();
        expect(cells).to.have.length(2);
        for (const c of cells) {
          const m = /^([\d.]+) of (\d+) cores \(([\d.]+) % of one core, ([\d.]+) % of host\)$/.exec(c);
          expect(m, c).to.not.equal(null);
          const used = Number(m![1]);
          expect(used).to.be.within(0, cores);
          expect(Number(m![2])).to.equal(cores);
          // Both readings of the same figure (rounded: 2 decimals of cores, 1 of a percentage).
          expect(Number(m![3])).to.be.closeTo(used * 100, 1);
          expect(Number(m![4])).to.be.within(0, 100);
          expect(Number(m![4])).to.be.closeTo((used / cores) * 100, 1);
        }
      },
      10_000,
      200,
    );
    const redisPanel = p.getByRole("region", { name: "Redis", exact: true });
    await redisPanel.getByText("up", { exact: true }).waitFor();
    await p.getByRole("region", { name: "PostgreSQL" }).getByText("up", { exact: true }).waitFor();
    expect(await redisPanel.locator("dd").first().textContent()).to.match(/ ms$/);

    // Traffic: two users on different nodes in one group; messages/s and deliveries/s move.
    const a = await createUser(nodes[0].url, "Sender");
    const b = await createUser(nodes[1].url, "Receiver");
    const chatId = await createGroup(nodes[0].url, a, [b], "load");
    const sa = new ChatSocket(nodes[0].url, { token: a.token, transports: ["websocket"] });
    const sb = new ChatSocket(nodes[1].url, { token: b.token, transports: ["websocket"] });
    await Promise.all([sa.ready(), sb.ready()]);
    let sending = true;
    const load = async (pauseMs: number) => {
      for (let i = 0; sending; i++) {
        await Promise.all(Array.from({ length: 10 }, (_, k) => sa.send(chatId, `load ${i}-${k}`)));
        await sleep(pauseMs);
      }
    };
    let traffic = load(50);
    try {
      await eventually(
        async () => {
          expect(
            Number(await chart(adminTab, "messagesPerSecond").getAttribute("data-max")),
          ).to.be.greaterThan(0);
          expect(
            Number(await chart(adminTab, "deliveriesPerSecond").getAttribute("data-max")),
          ).to.be.greaterThan(0);
          expect(Number(await chart(adminTab, "ackP99Ms").getAttribute("data-max"))).to.be.greaterThan(0);
        },
        15_000,
        250,
      );
      // Issue 19 item 3 under traffic: the adapter per node, this cluster's pub/sub and keys, the path's cost.
      await eventually(
        async () => {
          const cells = await p.locator('.admin-nodes td[data-cell="adapter"]').allTextContents();
          expect(cells).to.have.length(2);
          const [n1, n2] = cells.map(parseAdapter);
          expect(n1.published, `n1 publishes: ${cells[0]}`).to.be.greaterThan(0);
          expect(n2.received, `n2 receives: ${cells[1]}`).to.be.greaterThan(0);
          // Bytes each way apart: n1's sends go out of n1 and into n2, which publishes none of them.
          expect(n1.publishedBytes, `n1's bytes out: ${cells[0]}`).to.be.greaterThan(0);
          expect(n2.receivedBytes, `n2's bytes in: ${cells[1]}`).to.be.greaterThan(n2.publishedBytes);
          const [out, into] = (await figure(adminTab, "Cluster path", "adapter-bytes"))
            .split(" / ")
            .map(parseBytes);
          expect(out, "the path's bytes out").to.be.greaterThan(0);
          expect(into, "the path's bytes in").to.be.greaterThan(0);
          const perDelivery = (await figure(adminTab, "Cluster path", "per-delivery"))
            .split(" / ")
            .map(Number);
          expect(perDelivery, "published / received per delivery").to.have.length(2);
          for (const v of perDelivery) expect(v).to.be.within(0.01, 5);
        },
        15_000,
        250,
      );
      const own = "Redis: this cluster";
      const [channels, subscribers] = (await figure(adminTab, own, "channels")).split(" / ").map(Number);
      expect(channels, "the adapter's channels").to.be.at.least(4);
      expect(subscribers).to.be.at.least(channels);
      expect(await figure(adminTab, own, "shard-channels")).to.equal("0 / 0");
      expect(Number(await figure(adminTab, own, "presence-keys")), "presence of the sockets").to.be.at.least(
        1,
      );
      expect(Number(await figure(adminTab, own, "rate-limit-keys")), "rate-limit windows").to.be.at.least(1);
      expect(await figure(adminTab, "Redis", "slowlog")).to.match(/^\d+$/);
      expect(await figure(adminTab, "Redis", "replication")).to.equal("master");
      expect(await figure(adminTab, "Redis", "cluster-mode")).to.equal("off");
      // Every column of the node table fits a 1400-px window (the CPU column was cut off once).
      const fit = await p
        .locator(".admin-scroll")
        .evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      expect(fit.scroll, "node table width").to.be.at.most(fit.client);
      expect(await chart(adminTab, "cpuCores").getAttribute("data-nodes")).to.equal("n1 n2");
      const points = Number(await chart(adminTab, "cpuCores").getAttribute("data-points"));
      await eventually(
        async () =>
          expect(Number(await chart(adminTab, "cpuCores").getAttribute("data-points"))).to.be.greaterThan(
            points,
          ),
        6_000,
        250,
      );

      // Less load on a shared 2-core machine while nodes stop and start.
      sending = false;
      await traffic;

      // A node SIGKILLed drops out within its TTL (plus a poll).
      sb.close();
      await nodes[1].kill("SIGKILL");
      // The third node starts meanwhile (a start takes ~15 s on this loaded machine).
      const third = spawnTestNode({ ...env, NODE_ID: "n3" }, { startTimeoutMs: 90_000 });
      // (n3 may already be listed: on a quick machine it starts within n2's TTL.)
      await eventually(
        async () => expect((await rows(adminTab)).filter((n) => n !== "n3")).to.deep.equal(["n1"]),
        TTL_SECONDS * 1000 + 5_000,
        200,
      );
      expect(await chart(adminTab, "messagesPerSecond").getAttribute("data-nodes")).to.be.oneOf([
        "n1",
        "n1 n3",
      ]);
      // The gone node's line stays (grey) while its points are in the history.
      expect(await chart(adminTab, "messagesPerSecond").getAttribute("data-gone")).to.equal("n2");

      // A node started appears, with its own series.
      nodes.push(await third);
      await eventually(async () => expect(await rows(adminTab)).to.deep.equal(["n1", "n3"]), 10_000, 200);
      await eventually(
        async () => {
          expect(await chart(adminTab, "cpuCores").getAttribute("data-nodes")).to.equal("n1 n3");
          expect(await chart(adminTab, "cpuCores").getAttribute("data-gone")).to.equal("n2");
        },
        5_000,
        200,
      );
      // Light traffic again for the picture (n1's sends reach n3 through Redis), every panel in view.
      sending = true;
      traffic = load(200);
      await p.setViewportSize({ width: 1400, height: 1250 });
      await sleep(4_500); // a few points of n3 in the charts
      await adminTab.screenshot("admin-console");
    } finally {
      sending = false;
      await traffic.catch(() => undefined);
      sa.close();
    }

    // Anyone else: Admins only.
    const bob = await ChatPage.open(browser, nodes[0].url);
    pages.push(bob);
    await bob.register("Bob", email("bob"));
    await bob.page.goto("/admin");
    await bob.page.getByRole("heading", { name: "Admins only" }).waitFor();
    expect(await bob.page.getByRole("heading", { name: "Admin console" }).count()).to.equal(0);
    await bob.screenshot("admin-denied");
  });
});
