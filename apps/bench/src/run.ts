/**
 * One bench run, in phases: start the topology, set up users and chats over REST, connect every
 * device, load it (warm-up, then the measured window), drain, reconcile every message (clients and
 * the database), and assemble the figures; everything started is stopped whatever happens. cli.ts
 * prints and writes the result; the smoke test asserts on it.
 */
import { connectDevices } from "./devices.ts";
import { drain, reconcile } from "./drain.ts";
import { summarize } from "./latency.ts";
import { LoadClient } from "./load.ts";
import type { BenchOptions } from "./options.ts";
import { ProcSampler } from "./proc-stats.ts";
import { resultOf } from "./assemble.ts";
import { MlsCrypto, setUpMls } from "./encrypted.ts";
import type { BenchResult } from "./result.ts";
import { sendersOf } from "./setup.ts";
import { begin, setUp, type Log } from "./start.ts";
import { startTopology } from "./topology.ts";
import { loadAndMeasure, logProgress } from "./window.ts";

export async function runBench(o: BenchOptions, log: Log, profileDir?: string): Promise<BenchResult> {
  const start = begin(o, log);
  const topology = await startTopology(o, start.runId, profileDir);
  const sampler = new ProcSampler(topology.tracked);
  let client: LoadClient | undefined;
  try {
    sampler.begin();
    const setup = await setUp(o, start, topology, log);
    const mls = o.encrypted
      ? new MlsCrypto(
          await setUpMls(topology.url, setup.people, setup.chats, o.devices, o.setupConcurrency, log),
        )
      : undefined;
    // Devices are user-major: the first two members of the first chat.
    await mls?.calibrate(setup.chats[0].members[0] * o.devices, setup.chats[0].members[1] * o.devices);
    const c = (client = new LoadClient(
      setup.people,
      {
        devices: o.devices,
        chatSize: o.chatSize,
        messageSize: o.messageSize,
        read: o.scenario === "read",
        senders: sendersOf(setup.chats, o.senders),
      },
      mls,
    ));
    const connected = await connectDevices(o, start.users, topology, sampler, c, log);
    const progress = logProgress(c, log);
    const measured = await loadAndMeasure(o, c, topology, sampler, progress.elapsed);
    await drain(o, c, log);
    progress.stop();
    c.close();
    // Latencies are summarized after the drain: under overload a step's messages arrive later.
    measured.steps.forEach((step, i) => {
      step.ack = summarize(c.stepAck[i]);
      step.delivery = summarize(c.stepDelivery[i]);
    });
    const reconciled = await reconcile(o, topology, setup.chats, c);
    const series = progress.series;
    return resultOf({ o, start, topology, setup, connected, series, measured, reconciled, c });
  } finally {
    client?.close();
    await topology.stop();
  }
}
