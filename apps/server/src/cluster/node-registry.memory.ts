/** The registry of a single node: it knows only itself, and nothing once it has closed. */
import type { NodeEntry, NodeRegistry, NodeSnapshot } from "./node-registry.ts";

export class MemoryNodeRegistry implements NodeRegistry {
  constructor(
    private readonly snapshot: () => NodeSnapshot,
    readonly ttlSeconds: number,
  ) {}

  async list(): Promise<NodeEntry[]> {
    return [{ ...this.snapshot(), heartbeat_at: new Date().toISOString() }];
  }

  async close(): Promise<void> {}
}
