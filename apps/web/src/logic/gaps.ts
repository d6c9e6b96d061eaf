/**
 * Where the loaded messages of a chat have a hole: a message opened in its context (a search
 * result, a quote) loads a window of older messages apart from the newest page. The view shows a
 * "load newer" row in the hole, which fills from its older side (after_seq).
 */
import type { TimelineItem } from "./timeline.ts";

export interface GapItem {
  kind: "gap";
  /** The newest loaded seq before the hole. */
  after: number;
  /** The oldest loaded seq after it. */
  before: number;
}

type ViewItem = TimelineItem | GapItem;

/** The items with a gap item wherever consecutive messages' seqs are not consecutive. */
export function withGaps(items: readonly TimelineItem[]): ViewItem[] {
  const out: ViewItem[] = [];
  let prev: number | undefined;
  for (const it of items) {
    if (it.kind === "message") {
      const seq = it.message.seq;
      if (prev !== undefined && seq > prev + 1) out.push({ kind: "gap", after: prev, before: seq });
      prev = seq;
    }
    out.push(it);
  }
  return out;
}
