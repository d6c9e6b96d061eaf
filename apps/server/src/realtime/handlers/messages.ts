import type { Socket } from "socket.io";
import { AppError } from "@chat/protocol";
import { enforce } from "../../cluster/rate-limit.ts";
import type { Logger } from "pino";
import type { DomainContext } from "../../domain/context.ts";
import { deleteMessage, editMessage, sendMessage, sync } from "../../domain/messages.ts";
import { markMessageRead, markRead } from "../../domain/receipts.ts";
import type { SocketData } from "../socket-broadcast.ts";
import { on } from "./validated-event.ts";
import { syncGateOf } from "./sync-gate.ts";
import { pendingWelcomes } from "../../domain/mls-delivery.ts";
import { toggleReaction } from "../../domain/reactions.ts";
import { searchMessages } from "../../domain/search.ts";

/** Welcomes a device's sync answer carries at most. */
const WELCOMES_PER_SYNC = 10;

/** Sync answers of one user this node builds at once. */
const SYNCS_BUILT_PER_USER = 1;

export function messageHandlers(socket: Socket, ctx: DomainContext, log: Logger) {
  const me = () => (socket.data as SocketData).userId;

  on(socket, "message:send", log, (p) => sendMessage(ctx, me(), p));

  on(socket, "message:read", log, async (p) => {
    const out =
      "message_id" in p
        ? await markMessageRead(ctx, p.message_id, me())
        : await markRead(ctx, p.chat_id, me(), p.seq);
    return {
      chat_id: out.chatId,
      last_read_seq: out.lastReadSeq,
      fully_read_ids: out.fullyRead.flatMap((f) => f.messageIds),
    };
  });

  on(socket, "message:edit", log, (p) => editMessage(ctx, me(), p.chat_id, p.message_id, p.text));
  on(socket, "message:delete", log, (p) => deleteMessage(ctx, me(), p.chat_id, p.message_id));
  on(socket, "reaction:toggle", log, (p) => toggleReaction(ctx, me(), p));
  on(socket, "search", log, (p) => searchMessages(ctx, me(), p));

  // A sync answer is up to ANSWER_MAX_BYTES. A socket may have only a few syncs in flight (one
  // more is refused, not queued: a flood costs the node nothing); this node builds only a few
  // answers of one user at once (the rest wait, see sync-gate.ts); and every sync spends the
  // user's sync budget, all devices and nodes together.
  const gate = syncGateOf(socket.nsp.server, SYNCS_BUILT_PER_USER);
  let syncing = 0;
  on(socket, "sync", log, async (p) => {
    if (syncing >= ctx.limits.syncsInFlightPerSocket) {
      throw new AppError("rate_limited", "A sync of this connection is still running; retry in 1 s", {
        retry_after: 1,
      });
    }
    syncing++;
    try {
      await enforce(ctx.limiter, [[ctx.limits.syncsPerUser, String(me())]]);
      const deviceId = (socket.data as SocketData).deviceId;
      const out = await gate.run(me(), () => sync(ctx, me(), p));
      // A device catching up also gets the Welcomes that waited for it (encrypted chats, issue 17):
      // a few (each up to 32 KiB of base64) on top of the answer's budget; mls:welcomes pages the rest.
      if (!deviceId) return out;
      const { welcomes } = await pendingWelcomes(ctx, me(), deviceId, WELCOMES_PER_SYNC);
      return welcomes.length > 0 ? { ...out, welcomes } : out;
    } finally {
      syncing--;
    }
  });
}
