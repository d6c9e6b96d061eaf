/**
 * The client without its encryption half: REST, the socket and token renewal. Apps that load the
 * MLS half (ts-mls) lazily import this at start and the package's root (`@chat/client`) on demand.
 */
export * from "./rest.ts";
export * from "./socket.ts";
export * from "./token-renewal.ts";
export * from "./uuid.ts";
