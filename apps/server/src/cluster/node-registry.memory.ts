/** The registry of a single node: it knows only itself, and nothing once it has closed. */
import type { NodeEntry, NodeRegistry, NodeSnapshot } from "./node-registry.ts";

export class MemoryNodeRegistry implements NodeRegistry {
  /** Withdrawn like a Redis entry: a shutting-down node must not list itself as live. */
  private closed = false;

  constructor(
    private readonly snapshot: () => NodeSnapshot,
    readonly ttlSeconds: number,
  ) {}

  async list(): Promise<NodeEntry[]> {
    if (this.closed) return [];
    return [{ ...this.snapshot(), heartbeat_at: new Date().toISOString() }];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
