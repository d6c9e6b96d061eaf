/**
 * The console's health panels under the charts: Redis (the server, and this cluster's own pub/sub
 * and keys in it), the cluster path's cost, PostgreSQL. Each figure's <dd> carries `data-figure`
 * so a reader (a test, a script) finds it without parsing labels.
 */
import type { RouteResponse } from "@chat/protocol";
import { h } from "../dom.ts";
import { bytes, keyCount, ms, num } from "./format.ts";

type Overview = RouteResponse<"adminOverview">;

/** [figure id, label, value] */
type Row = [string, string, string];

/** A panel: its title and state ("up", "unreachable", "not used", or none), then its figures. */
function panel(
  title: string,
  up: boolean | null | undefined,
  error: string | null,
  rows: Row[],
): HTMLElement {
  const state = up === undefined ? null : up === null ? "not used" : up ? "up" : "unreachable";
  return h(
    "section",
    { class: "admin-panel", "aria-label": title },
    h(
      "h2",
      null,
      title,
      state ? " " : null,
      state ? h("span", { class: `admin-state ${up ? "ok" : up === null ? "" : "bad"}` }, state) : null,
    ),
    error ? h("p", { class: "admin-error" }, error) : null,
    h(
      "dl",
      null,
      rows.map(([id, k, v]) => [h("dt", null, k), h("dd", { "data-figure": id }, v)]),
    ),
  );
}

export function redisPanel(r: Overview["redis"]): HTMLElement {
  if (!r) return panel("Redis", null, "This node runs without Redis (single node).", []);
  const max = r.max_memory === 0 ? "no limit" : bytes(r.max_memory);
  const replicas = r.connected_replicas ? `, ${r.connected_replicas} replicas` : "";
  return panel("Redis", r.up, r.error, [
    ["latency", "Latency (PING)", ms(r.latency_ms)],
    ["memory", "Memory used / max", `${bytes(r.used_memory)} / ${max}`],
    ["ops", "Ops/s", num(r.ops_per_second, 0)],
    ["clients", "Connected clients", num(r.connected_clients, 0)],
    [
      "server-pubsub",
      "All channels / patterns / sharded",
      `${num(r.pubsub_channels, 0)} / ${num(r.pubsub_patterns, 0)} / ${num(r.pubsub_shard_channels, 0)}`,
    ],
    ["slowlog", "Slowlog length", num(r.slowlog_length, 0)],
    ["replication", "Replication", r.role ? `${r.role}${replicas}` : "–"],
    ["cluster-mode", "Cluster mode", r.cluster_enabled === null ? "–" : r.cluster_enabled ? "on" : "off"],
    ["version", "Version", r.version ?? "–"],
  ]);
}

/** This cluster's share of Redis (under its key prefix); counts past the SCAN budget say "at least". */
export function redisFiguresPanel(f: Overview["redis_figures"], hasRedis: boolean): HTMLElement {
  const title = "Redis: this cluster";
  if (!hasRedis) return panel(title, null, null, []);
  if (!f) return panel(title, false, "Redis did not answer", []);
  return panel(title, undefined, null, [
    ["channels", "Channels / subscribers", `${f.pubsub_channels} / ${f.pubsub_subscribers}`],
    [
      "shard-channels",
      "Sharded channels / subscribers",
      f.shard_channels === null ? "– (Redis < 7)" : `${f.shard_channels} / ${f.shard_subscribers ?? 0}`,
    ],
    ["patterns", "Pattern subscriptions", String(f.pubsub_patterns)],
    ["presence-keys", "Presence keys", keyCount(f.presence_keys)],
    ["rate-limit-keys", "Rate-limit keys", keyCount(f.rate_limit_keys)],
  ]);
}

/** The adapter's traffic over all live nodes against their deliveries (each node's own is in the table). */
export function clusterPathPanel(c: Overview["cluster_path"]): HTMLElement {
  return panel("Cluster path", undefined, null, [
    [
      "adapter-rate",
      "Adapter published / received /s",
      `${num(c.adapter_published_per_second)} / ${num(c.adapter_received_per_second)}`,
    ],
    [
      "adapter-bytes",
      "Adapter bytes published / received /s",
      `${bytes(c.adapter_published_bytes_per_second)} / ${bytes(c.adapter_received_bytes_per_second)}`,
    ],
    ["deliveries", "Deliveries/s", num(c.deliveries_per_second)],
    [
      "per-delivery",
      "Published / received per delivery",
      `${num(c.published_per_delivery, 2)} / ${num(c.received_per_delivery, 2)}`,
    ],
  ]);
}

export function postgresPanel(p: Overview["postgres"]): HTMLElement {
  return panel("PostgreSQL", p.up, p.error, [
    ["latency", "Latency (select 1)", ms(p.latency_ms)],
    ["size", "Database size", bytes(p.database_bytes)],
    [
      "pool",
      "Pool in use / idle / waiting (max)",
      `${p.pool.total - p.pool.idle} / ${p.pool.idle} / ${p.pool.waiting} (${p.pool.max})`,
    ],
  ]);
}
