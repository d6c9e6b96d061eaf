/**
 * The session kept across reloads: the bearer token and who it belongs to, in localStorage (so
 * every tab of the origin shares it; a `storage` event tells the other tabs of a login or logout).
 */
import type { Me } from "./logic/types.ts";

export const SESSION_KEY = "chat.session";

export interface Session {
  token: string;
  user: Me;
}

export function loadSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    const s = raw ? (JSON.parse(raw) as Partial<Session>) : undefined;
    if (typeof s?.token === "string" && typeof s.user?.id === "number") return s as Session;
  } catch {
    // Unreadable: treat as logged out.
  }
  return undefined;
}

export function saveSession(s: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
}
