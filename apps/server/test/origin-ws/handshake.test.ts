import { expect } from "chai";
import request from "supertest";
import { io } from "socket.io-client";
import net from "node:net";
import jwt from "jsonwebtoken";
import { TEST_SECRET, useNode } from "../support/node.ts";
import { createGroup, createUser } from "../support/users.ts";
import { useOriginClients } from "./origin-client.ts";

/** `GET /ws/{user_id}/{chat_id}`: the origin's plain WebSocket on one node, beside Socket.IO. */
describe("origin websocket: handshake, acks and access", () => {
  const node = useNode();
  const clients = useOriginClients();

  it("the origin's test_websocket.py: /ws/{user}/{chat} with Authorization: Bearer, a text gets a frame containing ✅", async () => {
    const u = await createUser(node.url, "U");
    const chatId = await createGroup(node.url, u, []);
    const c = clients.create(node.url, u.id, chatId, u.token);
    await c.opened;
    c.send("Hello from test");
    expect(await c.frame("✅")).to.equal("✅ Сообщение 'Hello from test' отправлено!");
  });

  it("the README's Postman frame (a JSON string, quotes included) is unwrapped; ?token= works; equal texts are two messages", async () => {
    const u = await createUser(node.url, "U");
    const chatId = await createGroup(node.url, u, []);
    const c = clients.create(node.url, u.id, chatId, u.token, "query");
    await c.opened;
    c.send('"Hello, World!"');
    expect(await c.frame("✅")).to.equal("✅ Сообщение 'Hello, World!' отправлено!");
    await c.say("ok");
    await c.say("ok");
    const page = await request(node.url).get(`/api/v1/chats/${chatId}/messages`).set(u.auth).expect(200);
    const items = page.body.messages as Array<{ text: string }>;
    expect(items.map((m) => m.text)).to.deep.equal(["Hello, World!", "ok", "ok"]);
  });

  it("closes with 1008 for no token, a bad token, another user's id, a chat the user is not in, or a chat that does not exist", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const chatId = await createGroup(node.url, u, []);
    const cases = [
      clients.create(node.url, u.id, chatId), // no token
      clients.create(node.url, u.id, chatId, "not-a-jwt"),
      clients.create(node.url, u.id, chatId, `${u.token}x`, "query"),
      clients.create(node.url, u.id, chatId, v.token), // v's token, u's id
      clients.create(node.url, v.id, chatId, v.token), // v is not a member
      clients.create(node.url, u.id, 2_000_000_000, u.token), // no such chat
      clients.create(node.url, u.id, 99_999_999_999, u.token), // past 32 bits
    ];
    for (const c of cases) expect(await c.closeCode()).to.equal(1008);
    for (const c of cases) expect(c.frames).to.deep.equal([]);
    // Nothing was stored by any of them, and the member still gets in.
    const ok = clients.create(node.url, u.id, chatId, u.token);
    await ok.opened;
    await ok.say("still fine");
  });

  it("ids are read from the raw path: dot segments and encoded slashes get 1008, and the node carries on", async () => {
    const u = await createUser(node.url, "U");
    const chatId = await createGroup(node.url, u, []);
    for (const path of [`/ws/${u.id}/..`, "/ws/../..", `/ws/${u.id}/%2E%2E`, `/ws/${u.id}/1%2F2`]) {
      expect(await rawUpgradeCloseCode(node.port, path, u.token), path).to.equal(1008);
    }
    const ok = await clients.open(node.url, u, chatId);
    await ok.say("still up");
  });

  it("a socket lives as long as its token: closed with 1008 when it expires", async () => {
    const u = await createUser(node.url, "U");
    const chatId = await createGroup(node.url, u, []);
    const short = jwt.sign({ sub: String(u.id), exp: Math.floor(Date.now() / 1000) + 2 }, TEST_SECRET, {
      algorithm: "HS256",
    });
    const c = clients.create(node.url, u.id, chatId, short);
    await c.opened;
    await c.say("before expiry");
    expect(await c.closeCode(5000)).to.equal(1008);
    expect(c.closed?.reason).to.equal("token expired");
  });

  it("a socket opened for chat 1 gets only chat 1's messages, and the sending socket gets its ack, not a 📩 echo", async () => {
    const u = await createUser(node.url, "U");
    const v = await createUser(node.url, "V");
    const one = await createGroup(node.url, u, [v], "one");
    const two = await createGroup(node.url, u, [v], "two");
    const vOne = await clients.open(node.url, v, one);
    const uOne = await clients.open(node.url, u, one);
    const uOther = await clients.open(node.url, u, one); // u's second device on chat 1
    const uTwo = await clients.open(node.url, u, two);
    await vOne.say("to one");
    await uTwo.say("to two");
    await uOne.say("from u in one");
    const last = `📩 Новое сообщение от ${u.id}: from u in one`;
    await vOne.frame(last);
    await uOther.frame(last); // the sender's other device sees what it sent (not its ack)
    expect(uOne.news()).to.deep.equal([`📩 Новое сообщение от ${v.id}: to one`]);
    expect(uOther.news()).to.deep.equal([`📩 Новое сообщение от ${v.id}: to one`, last]);
    expect(uOther.frames.filter((f) => f.startsWith("✅"))).to.deep.equal([]);
    expect(vOne.news()).to.deep.equal([last]);
    expect(uTwo.news()).to.deep.equal([]);
  });

  it("Socket.IO keeps /socket.io/ (websocket and polling); other upgrade paths are refused at once", async () => {
    const u = await createUser(node.url, "U");
    for (const transports of [["websocket"], ["polling"]]) {
      const s = io(node.url, { transports, forceNew: true, reconnection: false, auth: { token: u.token } });
      try {
        await new Promise<void>((resolve, reject) => {
          s.once("connect", resolve);
          s.once("connect_error", reject);
        });
      } finally {
        s.close();
      }
    }
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(node.port, "127.0.0.1", () =>
        sock.write(
          "GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        ),
      );
      let got = "";
      sock.on("data", (d) => (got += d.toString()));
      sock.on("close", () => resolve(got));
      sock.on("error", reject);
      sock.setTimeout(3000, () => reject(new Error("no answer to an unknown upgrade")));
    });
    expect(answer).to.match(/^HTTP\/1.1 404/);
  });
});

/** An upgrade written by hand (no client-side URL normalising): the close code the node answers with. */
function rawUpgradeCloseCode(port: number, path: string, token: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () =>
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Authorization: Bearer ${token}\r\n` +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      ),
    );
    let got = Buffer.alloc(0);
    sock.on("data", (d) => {
      got = Buffer.concat([got, d]);
      const head = got.indexOf("\r\n\r\n");
      if (head === -1) return;
      if (!got.subarray(0, 12).toString().startsWith("HTTP/1.1 101")) {
        sock.destroy();
        return reject(new Error(`answered ${got.subarray(0, head).toString()}`));
      }
      const frame = got.subarray(head + 4);
      if (frame.length < 4) return;
      sock.destroy();
      if (frame[0] !== 0x88) return reject(new Error(`first frame is not a close: ${frame[0]}`));
      resolve(frame.readUInt16BE(2));
    });
    sock.on("error", reject);
    sock.setTimeout(3000, () => reject(new Error(`no close for ${path}`)));
  });
}
