import { describe, expect, it } from "vitest";
import { FileLinks } from "../src/controller/file-links.ts";
import type { Parts } from "../src/controller/parts.ts";

/** FileLinks over a fake API that answers links expiring `lifeMs` from now and counts the asks. */
function links(lifeMs: number) {
  const asks: string[] = [];
  const api = {
    call: async (_name: string, args: { params: { attachment_id: string }; query: { variant: string } }) => {
      asks.push(`${args.query.variant}:${args.params.attachment_id}`);
      return { url: `/l/${asks.length}`, expires_at: new Date(Date.now() + lifeMs).toISOString() };
    },
  };
  return { asks, links: new FileLinks({ api } as unknown as Parts) };
}

describe("file links", () => {
  it("asks once for a link and uses it while it is fresh, once however many want it at the same time", async () => {
    const { asks, links: l } = links(5 * 60_000);
    const [a, b] = await Promise.all([l.get("f1", "thumbnail"), l.get("f1", "thumbnail")]);
    expect([a, b]).toEqual(["/l/1", "/l/1"]);
    expect(l.cached("f1", "thumbnail")).toBe("/l/1");
    expect(await l.get("f1", "thumbnail")).toBe("/l/1");
    // Another variant or file is another link.
    expect(await l.get("f1", "original")).toBe("/l/2");
    expect(asks).toEqual(["thumbnail:f1", "original:f1"]);
  });

  it("asks again for a link about to expire, or one that stopped working", async () => {
    const { asks, links: l } = links(10_000); // inside the 30 s margin: never fresh
    expect(await l.get("f1", "thumbnail")).toBe("/l/1");
    expect(l.cached("f1", "thumbnail")).toBeUndefined();
    expect(await l.get("f1", "thumbnail")).toBe("/l/2");
    const fresh = links(5 * 60_000);
    await fresh.links.get("f2", "original");
    expect(await fresh.links.get("f2", "original", true)).toBe("/l/2");
    expect(asks).toHaveLength(2);
    expect(fresh.asks).toEqual(["original:f2", "original:f2"]);
  });
});
