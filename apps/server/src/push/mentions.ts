/**
 * `@name` mentions, resolved on the server against the chat's members: `@Ann` names the member
 * called "Ann" (any case), as a whole word (`@Anna` does not name Ann); a name with spaces is
 * written as it is (`@Ann Lee`). Answers the ids of the members named.
 */
export function mentions(text: string, members: Array<{ id: number; name: string }>): Set<number> {
  const named = new Set<number>();
  if (!text.includes("@")) return named;
  const lower = text.toLocaleLowerCase();
  for (const m of members) {
    const name = m.name.trim().toLocaleLowerCase();
    if (name === "") continue;
    const at = new RegExp(`(?<![\\p{L}\\p{N}_@])@${escape(name)}(?![\\p{L}\\p{N}_])`, "u");
    if (at.test(lower)) named.add(m.id);
  }
  return named;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
