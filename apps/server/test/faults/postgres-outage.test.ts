import { expect } from "chai";
import { AckError } from "@chat/client";
import { eventually, sleep } from "../support/wait.ts";
import { faultScenario } from "./fault-harness.ts";

faultScenario(
  "faults: PostgreSQL stops, then starts, under traffic",
  "refuses sends with a retryable error (never a false ok); clients retry the same client_id; nothing doubles",
  { ownPostgres: true },
  async (c, w) => {
    await c.postgres!.stop();
    // A send now is refused with a retryable code, not acked.
    const err = await w.devices[0].socket
      .request("message:send", { chat_id: w.chats[0].id, client_id: crypto.randomUUID(), text: "while down" })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(AckError);
    expect((err as AckError).code).to.equal("unavailable");
    await eventually(
      async () => expect((await fetch(`${c.nodes[0].url}/readyz`)).status).to.equal(503),
      10_000,
    );
    await sleep(2000);
    await c.postgres!.start();
    await eventually(
      async () => expect((await fetch(`${c.nodes[0].url}/readyz`)).status).to.equal(200),
      20_000,
    );
  },
);
