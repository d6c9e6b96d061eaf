/** Shapes the client works with, all derived from packages/protocol so they follow the server. */
import type { RouteResponse, ServerEventPayload } from "@chat/protocol";

export type Message = ServerEventPayload<"message:new">;
/** A file a message carries. */
export type Attachment = NonNullable<Message["attachments"]>[number];
export type ChatSummary = RouteResponse<"listChats">["chats"][number];
export type Member = RouteResponse<"listMembers">["members"][number];
export type PublicUser = RouteResponse<"searchUsers">["users"][number];
export type Me = RouteResponse<"me">;
export type SessionInfo = RouteResponse<"listSessions">["sessions"][number];
export type EncryptionDevice = RouteResponse<"listDevices">["devices"][number];
