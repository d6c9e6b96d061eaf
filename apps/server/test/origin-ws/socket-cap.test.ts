import { expect } from "chai";
import { io } from "socket.io-client";
import { useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { eventually } from "../support/wait.ts";
import { useDevices } from "../cluster/devices.ts";
import { useOriginClients } from "./origin-client.ts";

/** MAX_SOCKETS_PER_USER counts Socket.IO and origin sockets together, and frees a slot on close. */
describe("origin websocket: the per-user socket cap", () => {
  const node = useNode({ MAX_SOCKETS_PER_USER: "2" });
  const devices = useDevices();
  const clients = useOriginClients();

  it("a third socket of either kind is refused; closing one frees its slot", async () => {
    const u = await createUser(node.url, "U");
    const chatId = await createGroup(node.url, u, []);
    await devices.connect(node.url, u);
    const first = await clients.open(node.url, u, chatId);
    const third = clients.create(node.url, u.id, chatId, u.token);
    expect(await third.closeCode()).to.equal(1008);
    expect(third.closed?.reason).to.match(/too many open connections/);
    const sio = io(node.url, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      auth: { token: u.token },
    });
    try {
      const err = await new Promise<{ data?: { code?: string } }>((resolve) =>
        sio.once("connect_error", resolve),
      );
      expect(err.data?.code).to.equal("too_many_connections");
    } finally {
      sio.close();
    }
    first.ws.close();
    await first.closeCode();
    // The slot comes back once the node has seen the close.
    await eventually(async () => {
      const again = clients.create(node.url, u.id, chatId, u.token);
      await again.opened;
      await again.say("in again");
    });
  });
});
