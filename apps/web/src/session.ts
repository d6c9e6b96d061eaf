/**
 * Who is signed in, kept across reloads in localStorage so every tab of the origin follows a
 * login or logout (a `storage` event). No token is kept here: the access token is per tab
 * (credentials.ts), the refresh token is in an HttpOnly cookie.
 */
import type { Me } from "./logic/types.ts";

export const SESSION_KEY = "chat.session";
/** Where a tab was when its session ended (this tab only): the login returns there. */
const RETURN_KEY = "chat.return";

export interface Session {
  user: Me;
}

export function loadSession(): Session | undefined {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    const s = raw ? (JSON.parse(raw) as Partial<Session>) : undefined;
    if (typeof s?.user?.id === "number") return { user: s.user };
  } catch {
    // Unreadable: treat as logged out.
  }
  return undefined;
}

export function saveSession(s: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify({ user: s.user }));
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
}

/** Remembers the page (e.g. `/c/12`) of `userId` to come back to after logging in again. */
export function rememberReturn(path: string, userId: number): void {
  if (path !== "/") sessionStorage.setItem(RETURN_KEY, JSON.stringify({ path, userId }));
}

/** The remembered page, once, if it was this user's (another account's chat is no place to land). */
export function takeReturn(userId: number): string | undefined {
  const raw = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  try {
    const r = JSON.parse(raw ?? "null") as { path?: unknown; userId?: unknown } | null;
    return r?.userId === userId && typeof r.path === "string" ? r.path : undefined;
  } catch {
    return undefined;
  }
}
