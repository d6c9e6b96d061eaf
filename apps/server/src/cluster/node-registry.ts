/**
 * The live node registry behind GET /api/v1/admin/cluster. One narrow seam with a memory implementation
 * (node-registry.memory.ts: a single node knows only itself) and a Redis one (node-registry.redis.ts:
 * every node of the cluster), chosen in shared-state.ts. Both pass
 * test/contract/node-registry.contract.ts.
 */
import type { z } from "zod";
import type { ClusterNodeSchema } from "@chat/protocol";

/** What a node says about itself in each heartbeat (packages/protocol's ClusterNode, less what the reader adds). */
export type NodeSnapshot = Omit<z.output<typeof ClusterNodeSchema>, "self" | "heartbeat_at">;

export interface NodeEntry extends NodeSnapshot {
  heartbeat_at: string;
}

export interface NodeRegistry {
  /** Seconds a node stays listed after its last heartbeat. */
  readonly ttlSeconds: number;
  /** The live nodes, this one included, by id. */
  list(): Promise<NodeEntry[]>;
  /** Stops the heartbeat and withdraws this node at once (graceful shutdown). */
  close(): Promise<void>;
}
