/**
 * Consecutive messages of one sender within a few minutes form a group: only the first shows the
 * sender's name, and they sit closer together. A new day starts a new group.
 */
const GROUP_GAP_MS = 5 * 60_000;

interface Groupable {
  sender: number | undefined;
  at: string;
  /** A day separator is shown above this item. */
  newDay?: boolean;
}

/** For each item: true when it continues the group of the one before. */
export function groupFlags(items: readonly Groupable[], gapMs = GROUP_GAP_MS): boolean[] {
  return items.map((it, i) => {
    if (i === 0 || it.newDay || it.sender === undefined) return false;
    const prev = items[i - 1];
    if (prev.sender !== it.sender) return false;
    const dt = Date.parse(it.at) - Date.parse(prev.at);
    return Number.isFinite(dt) && dt >= 0 && dt <= gapMs;
  });
}
