/** How the console writes its figures. */

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function num(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined ? "–" : String(+n.toFixed(digits));
}

export function ms(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : `${+n.toFixed(n < 10 ? 2 : 0)} ms`;
}

/** "3 min" since an ISO time. */
export function since(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** A key count from a bounded SCAN: "at least N" when the budget ran out before the end. */
export function keyCount(c: { keys: number; complete: boolean }): string {
  return c.complete ? String(c.keys) : `at least ${c.keys}`;
}

/**
 * A node's CPU in both readings (ClusterNode's `cpu_cores_used`, `cores`, `cpu_percent_of_host`):
 * cores used of those it may use, and as percentages of one core (as `top` shows a process, 100 %
 * = one full core) and of the host. Null before the node's first window.
 */
export function cpuText(n: {
  cpu_cores_used: number | null;
  cores: number;
  cpu_percent_of_host: number | null;
}): { cores: string; ofOneCore: string; ofHost: string } | null {
  if (n.cpu_cores_used === null) return null;
  return {
    cores: `${num(n.cpu_cores_used, 2)} of ${n.cores} cores`,
    ofOneCore: `${num(n.cpu_cores_used * 100)} % of one core`,
    ofHost: `${num(n.cpu_percent_of_host)} % of host`,
  };
}
