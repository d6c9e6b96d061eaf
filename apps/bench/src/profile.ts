/**
 * Where a node's time goes: the top self-time frames and packages of a `node --cpu-prof` profile
 * (V8's .cpuprofile JSON: a call tree of nodes with hit counts, plus per-sample time deltas).
 */
import fs from "node:fs";
import path from "node:path";

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface ProfileSummary {
  file: string;
  seconds: number;
  frames: Array<{ frame: string; selfMs: number; percent: number }>;
  packages: Array<{ name: string; selfMs: number; percent: number }>;
}

/** "socket.io-parser", "apps/server/src/store", "node:internal/…", "(garbage collector)" … */
function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = /(apps|packages)\/[^/]+\/src\/[^/]+/.exec(url);
  return m ? m[0].replace(/\.ts$/, "") : path.basename(url);
}

/**
 * Self time per frame and per package. With `window` ([from, to] in µs of the monotonic clock that
 * V8 stamps its samples with), only the samples inside it count: the load, not start-up and setup.
 */
export function summarizeProfile(file: string, window?: [number, number], top = 25): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const selfUs = new Map<number, number>();
  let t = p.startTime;
  let inWindow = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const delta = p.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window[0] || t > window[1])) continue;
    inWindow += delta;
    selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + delta);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const byFrame = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of p.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(apps|packages)\//, "$1/")}:${lineNumber + 1}`
      : "";
    const frame = `${functionName || "(anonymous)"}${where ? ` ${where}` : ""}`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + us);
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({
        k,
        selfMs: Math.round(us / 100) / 10,
        percent: Math.round((1000 * us) / total) / 10,
      }));
  return {
    file,
    seconds: Math.round((window ? inWindow : p.endTime - p.startTime) / 1e5) / 10,
    frames: rank(byFrame).map(({ k, selfMs, percent }) => ({ frame: k, selfMs, percent })),
    packages: rank(byPackage).map(({ k, selfMs, percent }) => ({ name: k, selfMs, percent })),
  };
}

export function profileMarkdown(s: ProfileSummary): string {
  const lines = [
    `### ${path.basename(s.file)} (${s.seconds} s profiled)`,
    "",
    "| self time by package / folder | ms | % |",
    "| --- | ---: | ---: |",
    ...s.packages.map((p) => `| ${p.name} | ${p.selfMs} | ${p.percent} |`),
    "",
    "| top frames (self time) | ms | % |",
    "| --- | ---: | ---: |",
    ...s.frames.map((f) => `| \`${f.frame.replace(/\|/g, "\\|")}\` | ${f.selfMs} | ${f.percent} |`),
    "",
  ];
  return lines.join("\n");
}
