import { expect } from "chai";
import jwt from "jsonwebtoken";
import { useCluster } from "./cluster-fixture.ts";
import { record } from "./devices.ts";
import { TEST_SECRET } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";

describe("cluster: session expiry", () => {
  const c = useCluster();
  const { devices } = c;

  it("tells the socket session:expired and disconnects it when its token expires", async () => {
    const [n1, n2] = c.urls;
    const u = await createUser(n1, "U");
    const v = await createUser(n2, "V");
    const chatId = await createGroup(n1, u, [v]);
    // A token as /token signs it (HS256, sub = the user id as a string), living 2 seconds.
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = jwt.sign({ exp }, TEST_SECRET, { algorithm: "HS256", subject: String(u.id) });
    const short = await devices.connect(n2, { token });
    const long = await devices.connect(n2, u); // the same user with a normal token stays
    const expired = record(short, "session:expired");
    const reasons: string[] = [];
    short.socket.on("disconnect", (r) => reasons.push(r));

    // It works until then.
    await short.send(chatId, "still valid");
    await eventually(() => expect(reasons).to.deep.equal(["io server disconnect"]), 5000);
    expect(expired).to.deep.equal([{ reason: "token expired" }]);
    expect(Date.now()).to.be.at.least(exp * 1000 - 50);
    // The server ended it: socket.io does not reconnect with the stale token.
    expect(short.socket.active).to.equal(false);
    expect(long.socket.connected).to.equal(true);
    // Reconnecting with the same token is refused as expired.
    const again = devices.create(n1, { token });
    const err = await again.ready().catch((e: { code?: string }) => e);
    expect(err).to.have.property("code", "token_expired");
  });
});
