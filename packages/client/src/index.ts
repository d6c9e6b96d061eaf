export * from "./rest.ts";
export * from "./socket.ts";
export * from "./token-renewal.ts";
