/**
 * One application message encrypted or decrypted against a group state, without EncryptedChats'
 * bookkeeping (ordering, key store, rebase): for callers that keep the state themselves, such as
 * the bench's load generator. The state is a value: callers apply one call at a time per group.
 */
import {
  createApplicationMessage,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  processPrivateMessage,
  type ClientState,
} from "ts-mls";
import { mlsSuite } from "./encrypted-chats.ts";

export type { ClientState as MlsGroupState } from "ts-mls";

const b64 = (b: Uint8Array) => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
};
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** The base64 MLSMessage (a PrivateMessage) of `plaintext`, and the state after it. */
export async function encryptApplication(
  state: ClientState,
  plaintext: Uint8Array,
): Promise<{ data: string; state: ClientState }> {
  const res = await createApplicationMessage(state, plaintext, await mlsSuite());
  const data = b64(
    encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_private_message",
      privateMessage: res.privateMessage,
    }),
  );
  return { data, state: res.newState };
}

/** The plaintext of a base64 PrivateMessage, and the state after it; throws when it does not decrypt. */
export async function decryptApplication(
  state: ClientState,
  data: string,
): Promise<{ plaintext: Uint8Array; state: ClientState }> {
  const decoded = decodeMlsMessage(unb64(data), 0)?.[0];
  if (decoded?.wireformat !== "mls_private_message") throw new Error("not a PrivateMessage");
  const res = await processPrivateMessage(state, decoded.privateMessage, emptyPskIndex, await mlsSuite());
  if (res.kind !== "applicationMessage") throw new Error("not an application message");
  return { plaintext: res.message, state: res.newState };
}
