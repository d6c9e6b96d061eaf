/** Reactions (issue 18): toggled, one of each per user, live to every device on every node, in sync and paging. */
import { expect } from "chai";
import { AckError, ApiClient } from "@chat/client";
import { REACTION_KINDS_MAX } from "@chat/protocol";
import request from "supertest";
import { twoMembersThreeDevices, useCluster } from "./cluster-fixture.ts";
import { record } from "./devices.ts";
import { eventually } from "../support/wait.ts";
import { createUser } from "../support/users.ts";

describe("cluster: reactions", () => {
  const c = useCluster();

  it("toggles over socket and REST; every device on every node gets message:reactions; sync and paging carry them", async () => {
    const [, n2, n3] = c.urls;
    const { u, v, chatId, a, b, sv } = await twoMembersThreeDevices(c);
    const all = [a, b, sv];
    const seen = all.map((s) => record(s, "message:reactions"));
    const m = (await a.send(chatId, "react to me")).message;

    const first = await sv.react(chatId, m.id, "👍"); // the client library's call
    expect(first).to.deep.equal({
      chat_id: chatId,
      message_id: m.id,
      emoji: "👍",
      reacted: true,
      reactions: [{ emoji: "👍", count: 1, user_ids: [v.id] }],
    });
    // The other user, over REST on another node: the same emoji counts twice; a ZWJ family is one emoji.
    const rest = await new ApiClient(n3, { token: u.token }).toggleReaction(chatId, m.id, "👍🏽");
    expect(rest.reacted).to.equal(true);
    await a.request("reaction:toggle", { chat_id: chatId, message_id: m.id, emoji: "👍" });
    const family = await a.request("reaction:toggle", { chat_id: chatId, message_id: m.id, emoji: "👨‍👩‍👧‍👦" });
    const expected = [
      { emoji: "👍", count: 2, user_ids: [v.id, u.id] },
      { emoji: "👍🏽", count: 1, user_ids: [u.id] },
      { emoji: "👨‍👩‍👧‍👦", count: 1, user_ids: [u.id] },
    ];
    expect(family.reactions).to.deep.equal(expected);
    await eventually(() => {
      for (const s of seen) {
        expect(s).to.have.length(4);
        expect(s.at(-1)).to.deep.equal({ chat_id: chatId, message_id: m.id, reactions: expected });
      }
    });

    // Toggling again takes mine back (one of each per user).
    const back = await a.request("reaction:toggle", { chat_id: chatId, message_id: m.id, emoji: "👍" });
    expect(back.reacted).to.equal(false);
    expect(back.reactions[0]).to.deep.equal({ emoji: "👍", count: 1, user_ids: [v.id] });
    await eventually(() => {
      for (const s of seen) expect(s.at(-1)!.reactions).to.deep.equal(back.reactions);
    });

    // Paging and sync carry the reactions on the message.
    const page = await request(n2).get(`/api/v1/chats/${chatId}/messages`).set(v.auth).expect(200);
    expect(page.body.messages.at(-1).reactions).to.deep.equal(back.reactions);
    const synced = await b.request("sync", { chats: [{ chat_id: chatId, after_seq: 0 }] });
    expect(synced.chats[0].messages.at(-1)!.reactions).to.deep.equal(back.reactions);
    // An edit keeps them; a delete drops them, and a deleted message takes no more.
    const edited = await a.request("message:edit", { chat_id: chatId, message_id: m.id, text: "edited" });
    expect(edited.reactions).to.deep.equal(back.reactions);
    const gone = await a.request("message:delete", { chat_id: chatId, message_id: m.id });
    expect(gone.reactions).to.equal(undefined);
    const late = await sv
      .request("reaction:toggle", { chat_id: chatId, message_id: m.id, emoji: "🎉" })
      .catch((e: unknown) => e);
    expect((late as AckError).code).to.equal("conflict");
  });

  it("refuses what is not one emoji, outsiders, other chats' messages, and more than the kinds bound", async () => {
    const { u, chatId, a } = await twoMembersThreeDevices(c);
    const m = (await a.send(chatId, "bounds")).message;
    const toggle = (emoji: unknown, who = u, message = m.id, chat = chatId) =>
      request(c.urls[0])
        .post(`/api/v1/chats/${chat}/messages/${message}/reactions`)
        .set(who.auth)
        .send({ emoji });
    for (const bad of ["", "a", "👍👍", "👍 ", " ", "<b>", "1", "x".repeat(40), 5, null, "\u200d", "🇺"]) {
      const res = await toggle(bad);
      expect(res.status, `${JSON.stringify(bad)}: ${res.text}`).to.equal(400);
    }
    for (const good of ["🇫🇮", "❤️", "1️⃣", "🏳️‍🌈"]) expect((await toggle(good)).status, good).to.equal(200);
    const stranger = await createUser(c.urls[0], "Stranger");
    expect((await toggle("👍", stranger)).status).to.equal(403);
    const otherChat = (await twoMembersThreeDevices(c)).chatId;
    expect((await toggle("👍", u, m.id, otherChat)).status).to.equal(403);
    // A message of another chat of mine, through this chat's path: not found.
    const mine2 = await request(c.urls[0])
      .post("/api/v1/chats")
      .set(u.auth)
      .send({ name: "second", chat_type: "group", member_ids: [] });
    const other = await a.send(mine2.body.chat_id, "elsewhere");
    expect((await toggle("👍", u, other.message.id)).status).to.equal(404);
    // The kinds bound: 20 different emojis, then a new one is a conflict (an existing one still toggles).
    const pool = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩🤔"];
    let added = 4;
    for (const e of pool) {
      const res = await toggle(e);
      if (added < REACTION_KINDS_MAX) {
        expect(res.status, e).to.equal(200);
        added++;
      } else expect(res.status, e).to.equal(409);
    }
    expect((await toggle("🇫🇮")).status).to.equal(200);
  });

  it("an encrypted chat takes no reactions on the server (encrypted_chat)", async () => {
    const { u, v } = await twoMembersThreeDevices(c);
    const res = await request(c.urls[0])
      .post("/api/v1/chats")
      .set(u.auth)
      .send({ name: "e2e", chat_type: "group", member_ids: [v.id], encrypted: true });
    expect(res.status).to.equal(201);
    const r = await request(c.urls[0])
      .post(`/api/v1/chats/${res.body.chat_id}/messages/1/reactions`)
      .set(u.auth)
      .send({ emoji: "👍" });
    expect(r.status, r.text).to.equal(409);
    expect(r.body.error.code).to.equal("encrypted_chat");
  });
});
