import { describe, expect, it } from "vitest";
import { cpuText, keyCount } from "../src/admin/format.ts";

describe("the admin console's figures", () => {
  it("writes a SCAN count past its budget as a lower bound", () => {
    expect(keyCount({ keys: 12, complete: true })).toBe("12");
    expect(keyCount({ keys: 5000, complete: false })).toBe("at least 5000");
  });

  it("writes CPU in cores, in % of one core and in % of the host", () => {
    expect(cpuText({ cpu_cores_used: 0.35, cores: 2, cpu_percent_of_host: 17.5 })).toEqual({
      cores: "0.35 of 2 cores",
      ofOneCore: "35 % of one core",
      ofHost: "17.5 % of host",
    });
    // Past one core the per-core reading goes over 100 %, the host's never does.
    expect(cpuText({ cpu_cores_used: 1.5, cores: 2, cpu_percent_of_host: 75 })).toMatchObject({
      ofOneCore: "150 % of one core",
      ofHost: "75 % of host",
    });
    expect(cpuText({ cpu_cores_used: 0.004, cores: 8, cpu_percent_of_host: 0.05 })).toEqual({
      cores: "0 of 8 cores",
      ofOneCore: "0.4 % of one core",
      ofHost: "0.1 % of host",
    });
  });

  it("writes no CPU before a node's first window", () => {
    expect(cpuText({ cpu_cores_used: null, cores: 2, cpu_percent_of_host: null })).toBe(null);
  });
});
