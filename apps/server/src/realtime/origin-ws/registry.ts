/**
 * This node's origin WebSockets (`/ws/{user_id}/{chat_id}`), indexed by chat and by user, and their
 * share of the adapter's broadcasts. Each socket is entered in the adapter under its own id in the
 * rooms `chat:<id>` and `user:<id>` (DESIGN-NEXT.md: one fan-out for both surfaces): the sharded
 * adapter subscribes per room, so a node whose only listener of a chat is an origin socket still
 * receives the chat's broadcasts. The adapter never finds these ids among the namespace's sockets,
 * so Socket.IO itself writes nothing to them; local-delivery.ts hands each broadcast here instead,
 * after the same membership check it applies to Socket.IO sockets.
 */
import type { Namespace } from "socket.io";
import type { Logger } from "pino";
import { textWithAttachments, type ServerEventPayload } from "@chat/protocol";
import { chatRoom, userRoom } from "../socket-broadcast.ts";
import { fullyReadFrame, newMessageFrame } from "./frames.ts";

type Message = ServerEventPayload<"message:new">;

/** One origin socket as the fan-out sees it. */
export interface OriginSocket {
  /** Its id in the adapter's rooms; never a Socket.IO socket id, never a room name. */
  readonly id: string;
  readonly userId: number;
  readonly chatId: number;
  /** The session of its token (absent for a token issued before sessions existed). */
  readonly sid?: string;
  /** Writes a text frame (a socket past the backlog cap is dropped instead). */
  send(frame: string): void;
  /** True for a message this very socket sent: it got the ✅ ack and is not sent it again as 📩. */
  sent(clientId: string | null | undefined): boolean;
  /** Closes it (the member was removed from the chat, the node is stopping…). */
  close(code: number, reason: string): void;
}

export class OriginSockets {
  private readonly byChat = new Map<number, Set<OriginSocket>>();
  private readonly byUser = new Map<number, Set<OriginSocket>>();
  private adapter?: Namespace["adapter"];

  constructor(private readonly log: Logger) {}

  /** The adapter whose rooms carry the origin sockets (set once the gateway exists). */
  attach(adapter: Namespace["adapter"]): void {
    this.adapter = adapter;
    for (const s of this.all()) void adapter.addAll(s.id, new Set([chatRoom(s.chatId), userRoom(s.userId)]));
  }

  add(s: OriginSocket): void {
    index(this.byChat, s.chatId, s);
    index(this.byUser, s.userId, s);
    void this.adapter?.addAll(s.id, new Set([chatRoom(s.chatId), userRoom(s.userId)]));
  }

  remove(s: OriginSocket): void {
    unindex(this.byChat, s.chatId, s);
    unindex(this.byUser, s.userId, s);
    // The last listener of a room gone: the sharded adapter unsubscribes from it.
    void this.adapter?.delAll(s.id);
  }

  /** The session ended (auth/revocations.ts): its origin sockets close with 1008 (policy). */
  closeSession(sid: string): void {
    for (const s of this.all()) if (s.sid === sid) s.close(1008, "session ended");
  }

  /** The account ended: every origin socket of the user closes 1008, with or without a session. */
  closeUser(userId: number): void {
    for (const s of this.byUser.get(userId) ?? []) s.close(1008, "account deleted");
  }

  all(): OriginSocket[] {
    return [...this.byChat.values()].flatMap((set) => [...set]);
  }

  get size(): number {
    let n = 0;
    for (const set of this.byChat.values()) n += set.size;
    return n;
  }

  /**
   * A broadcast to `chat:<id>` rooms reached this node: new messages go to the chat's origin
   * sockets whose user is a member (by the membership view, as for Socket.IO). Answers how many
   * sockets it reached (local-delivery.ts keeps seq order only for chats someone here follows).
   */
  toChats(
    chatIds: number[],
    data: unknown[] | undefined,
    isMember: (chatId: number, userId: number) => boolean,
  ): number {
    const [event, payload] = data ?? [];
    let messages: Message[];
    if (event === "message:new") messages = [payload as Message];
    else if (event === "message:batch") messages = (payload as { messages: Message[] }).messages;
    else return 0; // typing, receipts, edits…: the origin had no frame for them
    let reached = 0;
    for (const chatId of chatIds) {
      for (const s of this.byChat.get(chatId) ?? []) {
        if (!isMember(chatId, s.userId)) continue;
        reached++;
        for (const m of messages) {
          if (m.chat_id !== chatId || (m.sender_id === s.userId && s.sent(m.client_id))) continue;
          // The origin knows no files: their names stand in the text ("📎 report.pdf").
          s.send(newMessageFrame(m.sender_id, textWithAttachments(m.text, m.attachments)));
        }
      }
    }
    return reached;
  }

  /** A broadcast to `user:<id>` rooms: fully-read notices, and removal from a chat. */
  toUsers(rooms: Set<string>, data: unknown[] | undefined): void {
    const [event, payload] = data ?? [];
    if (event !== "receipt:fully_read" && event !== "chat:removed") return;
    const { chat_id: chatId, message_ids: ids } = payload as { chat_id: number; message_ids?: number[] };
    for (const room of rooms) {
      if (!room.startsWith("user:")) continue;
      for (const s of this.byUser.get(Number(room.slice(5))) ?? []) {
        // Per chat: a socket opened for chat 1 hears only of chat 1.
        if (s.chatId !== chatId) continue;
        if (event === "chat:removed") {
          this.log.info({ socket: s.id, chatId }, "origin socket closed: no longer a member");
          s.close(1008, "no longer a member of this chat");
        } else for (const id of ids ?? []) s.send(fullyReadFrame(id));
      }
    }
  }
}

function index(map: Map<number, Set<OriginSocket>>, key: number, s: OriginSocket) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(s);
}

function unindex(map: Map<number, Set<OriginSocket>>, key: number, s: OriginSocket) {
  const set = map.get(key);
  if (!set) return;
  set.delete(s);
  if (set.size === 0) map.delete(key);
}
