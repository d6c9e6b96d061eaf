/**
 * The admin console at /admin (issue 19), loaded on demand so the chat's bundle does not carry it:
 * every live node of the cluster with its load and traffic, live charts of the last minutes, and
 * Redis and PostgreSQL health. It polls GET /api/v1/admin/overview every 2 s (any node answers for
 * the whole cluster from the registry) and keeps the history in the page. A non-admin is told so.
 */
import { ApiError } from "@chat/client/core";
import type { RouteResponse } from "@chat/protocol";
import type { Api } from "../api.ts";
import { h, setChildren } from "../dom.ts";
import { NodeChart } from "./charts.ts";
import { bytes, cpuText, ms, num, since } from "./format.ts";
import { History, type NodePoint } from "./history.ts";
import { clusterPathPanel, postgresPanel, redisFiguresPanel, redisPanel } from "./panels.ts";
import "./admin.css";

type Overview = RouteResponse<"adminOverview">;
type ClusterNode = Overview["nodes"][number];

const POLL_MS = 2000;
/** Ten minutes of 2-s points. */
const HISTORY_POINTS = 300;

interface AdminConsole {
  stop(): void;
}

function pointOf(n: ClusterNode): NodePoint {
  return {
    messagesPerSecond: n.window?.messages_per_second ?? null,
    deliveriesPerSecond: n.window?.deliveries_per_second ?? null,
    ackP99Ms: n.window?.ack_p99_ms ?? null,
    eventLoopLagMs: n.window?.event_loop_lag_p99_ms ?? null,
    cpuCores: n.cpu_cores_used ?? null,
  };
}

/** A figure with lines under it (its text still reads as one: "a (b)", "a (b, c)"). */
const withSubLines = (main: string, ...subs: string[]) => [
  main,
  ...subs.map((s, i) =>
    h("span", { class: "admin-sub" }, `${i === 0 ? " (" : " "}${s}${i === subs.length - 1 ? ")" : ","}`),
  ),
];

function nodeRow(n: ClusterNode): HTMLTableRowElement {
  const w = n.window;
  const cpu = cpuText(n);
  return h(
    "tr",
    { "data-node": n.id },
    // The address under the id, not a column of its own: every column fits a laptop-wide window.
    h(
      "th",
      { scope: "row" },
      n.id,
      n.self ? h("span", { class: "admin-tag" }, "answering") : null,
      h("span", { class: "admin-sub admin-address" }, n.address),
    ),
    h("td", { title: n.started_at }, since(n.started_at)),
    h("td", { class: "n" }, n.sockets),
    h("td", { class: "n" }, n.users_online),
    h("td", { class: "n" }, num(w?.messages_per_second)),
    h("td", { class: "n" }, num(w?.deliveries_per_second)),
    h("td", { class: "n" }, `${ms(w?.ack_p50_ms)} / ${ms(w?.ack_p99_ms)}`),
    h("td", { class: "n" }, `${ms(w?.delivery_p50_ms)} / ${ms(w?.delivery_p99_ms)}`),
    h(
      "td",
      {
        class: "n",
        "data-cell": "adapter",
        title: "Messages published / received per second (their bytes published / received per second)",
      },
      withSubLines(
        `${num(w?.adapter_published_per_second)} / ${num(w?.adapter_received_per_second)}`,
        `${bytes(w?.adapter_published_bytes_per_second)} / ${bytes(w?.adapter_received_bytes_per_second)}`,
      ),
    ),
    h("td", { class: "n" }, ms(w?.event_loop_lag_p99_ms)),
    h(
      "td",
      { class: "n", "data-cell": "cpu" },
      cpu ? withSubLines(cpu.cores, cpu.ofOneCore, cpu.ofHost) : "–",
    ),
    h("td", { class: "n" }, `${bytes(n.rss_bytes)} / ${bytes(n.heap_used_bytes)}`),
    h("td", { class: "n" }, `${n.pool.total - n.pool.idle} / ${n.pool.idle} / ${n.pool.waiting}`),
  );
}

const HEADERS = [
  "Node",
  "Up for",
  "Sockets",
  "Users online",
  "Messages/s",
  "Deliveries/s",
  "Ack p50 / p99",
  "Delivery p50 / p99",
  "Redis adapter pub / recv per s",
  "Event-loop lag p99",
  "CPU",
  "Memory RSS / heap",
  "DB pool in use / idle / waiting",
];

function deniedView(): HTMLElement {
  return h(
    "main",
    { class: "admin admin-denied" },
    h("h1", null, "Admins only"),
    h(
      "p",
      null,
      "The admin console is for the cluster's administrators (the first registered account, or an email in ADMIN_EMAILS).",
    ),
    h("a", { href: "/" }, "Back to the chat"),
  );
}

export function mountAdmin(root: HTMLElement, api: Api): AdminConsole {
  const history = new History(HISTORY_POINTS);
  const charts = [
    new NodeChart("Messages per second", "messagesPerSecond", "msg/s"),
    new NodeChart("Deliveries per second", "deliveriesPerSecond", "deliv/s"),
    new NodeChart("Ack p99", "ackP99Ms", "ms"),
    new NodeChart("Event-loop lag p99", "eventLoopLagMs", "ms"),
    new NodeChart("CPU", "cpuCores", "cores"),
  ];
  const status = h("p", { class: "admin-status", role: "status" }, "Loading…");
  const tbody = h("tbody");
  const count = h("span", { class: "admin-count" });
  const health = h("div", { class: "admin-health" });
  const page = h(
    "main",
    { class: "admin" },
    h(
      "header",
      { class: "admin-head" },
      h("h1", null, "Admin console"),
      status,
      h("a", { href: "/" }, "Back to the chat"),
    ),
    h(
      "section",
      { class: "admin-nodes", "aria-label": "Nodes" },
      h("h2", null, "Nodes ", count),
      h(
        "div",
        { class: "admin-scroll" },
        h(
          "table",
          null,
          h(
            "thead",
            null,
            h(
              "tr",
              null,
              HEADERS.map((t) => h("th", { scope: "col" }, t)),
            ),
          ),
          tbody,
        ),
      ),
    ),
    h(
      "section",
      { class: "admin-charts", "aria-label": "Charts" },
      charts.map((c) => c.element),
    ),
    health,
  );
  root.replaceChildren(page);
  document.title = "Chat — admin console";

  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onResize = () => charts.forEach((c) => c.resize());
  window.addEventListener("resize", onResize);

  const show = (o: Overview) => {
    const nodes = o.nodes.map((n) => n.id);
    history.push({ t: Date.parse(o.at) / 1000, nodes: new Map(o.nodes.map((n) => [n.id, pointOf(n)])) });
    count.textContent = `(${o.nodes.length}${o.truncated ? "+" : ""})`;
    setChildren(tbody, o.nodes.map(nodeRow));
    for (const c of charts) c.update(history, nodes);
    setChildren(
      health,
      redisPanel(o.redis),
      redisFiguresPanel(o.redis_figures, o.redis !== null),
      clusterPathPanel(o.cluster_path),
      postgresPanel(o.postgres),
    );
    status.className = "admin-status";
    status.textContent = `Live — updated ${new Date(o.at).toLocaleTimeString()} by ${o.self}`;
  };

  const poll = async () => {
    let wait = POLL_MS;
    try {
      show(await api.call("adminOverview"));
    } catch (err) {
      if (stopped) return;
      if (err instanceof ApiError && err.status === 403) {
        stop();
        root.replaceChildren(deniedView());
        document.title = "Chat — admins only";
        return;
      }
      if (err instanceof ApiError && err.status === 429) {
        const retry = Number((err.body.details as { retry_after?: number } | undefined)?.retry_after);
        wait = Math.max(POLL_MS, (Number.isFinite(retry) ? retry : 5) * 1000);
      }
      status.className = "admin-status bad";
      status.textContent =
        err instanceof ApiError
          ? `The server answered: ${err.body.message}`
          : "Cannot reach the server — retrying";
    }
    if (!stopped) timer = setTimeout(() => void poll(), wait);
  };

  function stop() {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener("resize", onResize);
    for (const c of charts) c.destroy();
  }

  void poll();
  return { stop };
}
