/**
 * The origin's WebSocket wording (its README, /work/shared/seed/SUMMARY.md): what a client written
 * for the FastAPI chat matches on. Kept in one place so the wire text cannot drift between files.
 */

/** The ack to the socket that sent `text`. */
export const sentFrame = (text: string) => `✅ Сообщение '${text}' отправлено!`;
/** A message of another member (or of the sender's other device) to an origin socket of the chat. */
export const newMessageFrame = (senderId: number, text: string) =>
  `📩 Новое сообщение от ${senderId}: ${text}`;
/** To the sender's origin sockets of the chat, once every other member has read the message (README wording). */
export const fullyReadFrame = (messageId: number) => `✅ Ваше сообщение ${messageId} полностью прочитано!`;
/** A refused frame: the socket stays open and the chat is untouched. */
export const errorFrame = (code: string, message: string) => `❌ ${code}: ${message}`;

/**
 * The text a client frame carries. The origin's README has Postman send the JSON string
 * `"Hello, World!"` (quotes included): a frame that is exactly one JSON string literal is unwrapped,
 * anything else is the text as typed.
 */
export function frameText(frame: string): string {
  if (frame.length < 2 || frame[0] !== '"' || frame[frame.length - 1] !== '"') return frame;
  try {
    const v: unknown = JSON.parse(frame);
    return typeof v === "string" ? v : frame;
  } catch {
    return frame;
  }
}
