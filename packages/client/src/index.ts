export * from "./rest.ts";
export * from "./socket.ts";
export * from "./mls/key-store.ts";
export * from "./mls/encrypted-chats.ts";
export * from "./mls/file-crypto.ts";
export * from "./token-renewal.ts";
export * from "./mls/safety-number.ts";
export * from "./mls/application-crypto.ts";
