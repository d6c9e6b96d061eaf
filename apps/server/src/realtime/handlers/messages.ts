import type { Socket } from "socket.io";
import type { Logger } from "pino";
import type { DomainContext } from "../../domain/context.ts";
import { deleteMessage, editMessage, sendMessage, sync } from "../../domain/messages.ts";
import { markMessageRead, markRead } from "../../domain/receipts.ts";
import type { SocketData } from "../socket-broadcast.ts";
import { on } from "./define.ts";

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
  on(socket, "sync", log, (p) => sync(ctx, me(), p));
}
