import { useCluster } from "../cluster/cluster-fixture.ts";
import { startNginx, type NginxProcess } from "../../src/launcher/nginx-process.ts";
import { createGroup, createUser } from "../support/users.ts";
import { useOriginClients } from "./origin-client.ts";

/** The project's nginx.conf in front of the 3 test nodes passes the origin's WebSocket upgrade. */
describe("origin websocket through a real nginx", () => {
  const c = useCluster();
  const clients = useOriginClients();
  let nginx: NginxProcess;
  before(async function () {
    this.timeout(60_000);
    nginx = await startNginx(c.nodes.map((n) => n.port));
  });
  after(() => nginx?.stop());

  it("an origin socket through nginx and one straight on a node talk both ways", async () => {
    const u = await createUser(nginx.url, "U");
    const v = await createUser(c.urls[2], "V");
    const chatId = await createGroup(nginx.url, u, [v]);
    const viaNginx = await clients.open(nginx.url, u, chatId);
    const direct = await clients.open(c.urls[2], v, chatId);
    await viaNginx.say("through nginx");
    await direct.frame(`📩 Новое сообщение от ${u.id}: through nginx`);
    await direct.say("straight to node 3");
    await viaNginx.frame(`📩 Новое сообщение от ${v.id}: straight to node 3`);
  });
});
