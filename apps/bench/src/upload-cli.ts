/** `pnpm bench upload [options]`: runs the upload bench, prints its table, writes result.json and report.md, exits. */
import fs from "node:fs";
import path from "node:path";
import { live } from "./topology.ts";
import {
  parseUploadOptions,
  runUploadBench,
  UPLOAD_USAGE,
  uploadMarkdown,
  type UploadOptions,
} from "./upload.ts";

export async function runUploadCli(
  argv: string[],
  outDir: string,
  log: (line: string) => void,
  stamp: string,
): Promise<never> {
  let o: UploadOptions;
  try {
    o = parseUploadOptions(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${UPLOAD_USAGE}`);
    process.exit(2);
  }
  const out = o.outDir ? path.resolve(process.env.INIT_CWD ?? process.cwd(), o.outDir) : outDir;
  try {
    const r = await runUploadBench({ ...o, databaseUrl: process.env.DATABASE_URL || undefined }, log);
    const dir = path.join(out, `${stamp}-upload-${o.users}u-${o.nodes}n`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "result.json"), JSON.stringify(r, null, 2));
    const md = uploadMarkdown(r);
    fs.writeFileSync(path.join(dir, "report.md"), md);
    console.log(md);
    console.log(
      `  report: ${path.relative(process.env.INIT_CWD ?? process.cwd(), path.join(dir, "report.md"))}`,
    );
    process.exit(r.lost === 0 && r.steps.every((s) => s.failures === 0) ? 0 : 1);
  } catch (err) {
    console.error(`bench failed: ${(err as Error).stack ?? err}`);
    await Promise.allSettled([...live].map((t) => t.stop()));
    process.exit(1);
  }
}
