/**
 * Sends that have not been stored yet, kept in localStorage so a reload or a crash of the tab
 * does not lose them. Each keeps its client_id: retrying it can never store a second copy.
 */
import type { PendingSend } from "./timeline.ts";

export type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

export class Outbox {
  private readonly entries = new Map<string, PendingSend>();

  constructor(
    private readonly store: KeyValueStore | undefined,
    private readonly key: string,
  ) {
    for (const e of this.read()) {
      // Whatever was in flight when the page went away has to be sent again.
      this.entries.set(e.clientId, { ...e, state: "failed", error: e.error ?? "Not sent yet" });
    }
  }

  private read(): PendingSend[] {
    try {
      const raw = this.store?.getItem(this.key);
      const list: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(list) ? list.filter(isPendingSend) : [];
    } catch {
      return [];
    }
  }

  /**
   * Read-modify-write of one entry, so two tabs of the same user sharing the key do not erase
   * each other's sends.
   */
  private save(clientId: string): void {
    try {
      const list = this.read().filter((e) => e.clientId !== clientId);
      const mine = this.entries.get(clientId);
      if (mine) list.push(mine);
      if (list.length === 0) this.store?.removeItem(this.key);
      else this.store?.setItem(this.key, JSON.stringify(list));
    } catch {
      // Storage full or blocked: the sends still live in memory for this page.
    }
  }

  add(e: PendingSend): PendingSend {
    this.entries.set(e.clientId, e);
    this.save(e.clientId);
    return e;
  }

  update(clientId: string, patch: Partial<Pick<PendingSend, "state" | "error">>): PendingSend | undefined {
    const e = this.entries.get(clientId);
    if (!e) return undefined;
    Object.assign(e, patch);
    if (patch.state === "pending") delete e.error;
    this.save(clientId);
    return e;
  }

  remove(clientId: string): void {
    if (this.entries.delete(clientId)) this.save(clientId);
  }

  get(clientId: string): PendingSend | undefined {
    return this.entries.get(clientId);
  }

  all(): PendingSend[] {
    return [...this.entries.values()];
  }

  failed(): PendingSend[] {
    return this.all().filter((e) => e.state === "failed");
  }
}

function isPendingSend(v: unknown): v is PendingSend {
  const e = v as PendingSend;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.chatId === "number" &&
    typeof e.clientId === "string" &&
    typeof e.text === "string" &&
    typeof e.createdAt === "string"
  );
}
