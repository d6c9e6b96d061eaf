/**
 * A readable page of the socket protocol at /asyncapi, rendered on the server from the same
 * AsyncAPI document as /asyncapi.json (no viewer bundle to ship, no script: it passes the CSP).
 */
interface Doc {
  info: { title: string; version: string; description: string };
  operations: Record<
    string,
    {
      action: string;
      summary?: string;
      description?: string;
      messages: { $ref: string }[];
      reply?: { messages: { $ref: string }[] };
    }
  >;
  components: {
    messages: Record<string, { name: string; payload: unknown }>;
    schemas: Record<string, unknown>;
  };
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function renderAsyncApiPage(doc: Doc): string {
  const messageOf = (ref: string) => doc.components.messages[ref.split("/").pop()!];
  const block = (title: string, payload: unknown) =>
    `<details><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(payload, null, 2))}</pre></details>`;
  const section = (action: "send" | "receive", heading: string) =>
    `<h2>${heading}</h2>` +
    Object.values(doc.operations)
      .filter((op) => op.action === action)
      .map((op) => {
        const msg = messageOf(op.messages[0].$ref);
        const reply = op.reply ? messageOf(op.reply.messages[0].$ref) : undefined;
        return `<section><h3><code>${esc(msg.name)}</code></h3>${op.description ? `<p>${esc(op.description)}</p>` : ""}${block(
          "payload",
          msg.payload,
        )}${reply ? block("ack", reply.payload) : ""}</section>`;
      })
      .join("");
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, s]) => block(name, s))
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f5f5;padding:.75rem;overflow:auto}
section{border-top:1px solid #ddd;padding:.25rem 0}summary{cursor:pointer;color:#335}</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="/asyncapi.json">/asyncapi.json</a> (AsyncAPI 3). REST: <a href="/docs">/docs</a>.</p>
${section("send", "Client → server (emit with an ack callback)")}${section("receive", "Server → client")}
<h2>Schemas</h2>${schemas}</body></html>`;
}
