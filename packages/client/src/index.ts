export * from "./rest.ts";
export * from "./socket.ts";
