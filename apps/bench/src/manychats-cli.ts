/** `pnpm bench manychats`: runs manychats.ts, writes result.json and report.md, exits (1 if a bound was broken). */
import fs from "node:fs";
import path from "node:path";
import { benchManyChats, manyChatsMarkdown } from "./manychats.ts";
import type { BenchOptions } from "./options.ts";
import { live } from "./topology.ts";

export async function runManyChatsCli(o: BenchOptions, argv: string[]): Promise<never> {
  const log = (line: string) => console.error(line);
  const outDir = o.outDir
    ? path.resolve(process.env.INIT_CWD ?? process.cwd(), o.outDir)
    : path.resolve(import.meta.dirname, "../../../bench-results");
  try {
    const { result, machine, startedAt } = await benchManyChats(o, log);
    const md = manyChatsMarkdown(result, ["pnpm bench", ...argv].join(" "), machine);
    const stamp = startedAt
      .toISOString()
      .replace(/:/g, "-")
      .replace(/\.\d+Z$/, "Z");
    const dir = path.join(outDir, `${stamp}-manychats-${o.chats}c`);
    fs.mkdirSync(dir, { recursive: true });
    const { databaseUrl: _u, outDir: _d, pgDataDir: _p, ...recorded } = o;
    fs.writeFileSync(
      path.join(dir, "result.json"),
      JSON.stringify({ options: recorded, machine, ...result }, null, 2),
    );
    fs.writeFileSync(path.join(dir, "report.md"), `${md}\n`);
    const where = path.relative(process.env.INIT_CWD ?? process.cwd(), path.join(dir, "report.md"));
    console.log(`${md}\n\n  report: ${where}`);
    process.exit(result.bounds.listChatsOk && result.bounds.syncOk ? 0 : 1);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    await Promise.allSettled([...live].map((t) => t.stop()));
    process.exit(1);
  }
}
