import { envSpec } from "./env.ts";

/** The markdown table of every environment variable, with its default and description. */
export function envTable(): string {
  const rows = Object.entries(envSpec).map(([name, v]) => {
    const parsed = v.schema.safeParse(undefined);
    const def = parsed.success && parsed.data !== undefined ? `\`${String(parsed.data)}\`` : "—";
    return `| \`${name}\` | ${def} | ${v.doc} |`;
  });
  return ["| variable | default | meaning |", "| --- | --- | --- |", ...rows].join("\n");
}
