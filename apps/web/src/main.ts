/**
 * Entry point: the login form or the chat, depending on the stored session; tabs follow each other.
 * A tab opened while signed in gets its access token from the refresh cookie (credentials.ts).
 */
import { ApiError } from "@chat/client/core";
import { describe } from "./api.ts";
import { ChatApp } from "./app.ts";
import { Credentials, sessionOver } from "./credentials.ts";
import {
  clearSession,
  loadSession,
  rememberReturn,
  saveSession,
  SESSION_KEY,
  takeReturn,
  type Session,
} from "./session.ts";
import { authView } from "./views/auth-view.ts";
import { Api } from "./api.ts";
import { followTheme } from "./controller/theme.ts";

followTheme();
const root = document.getElementById("app")!;
const credentials = new Credentials();
let app: ChatApp | undefined;
/** The admin console (admin/admin-page.ts), loaded only when /admin is opened. */
let admin: { stop(): void; userId: number } | undefined;
const ADMIN_PATH = "/admin";
const ENDED = "Your session has ended. Please log in again.";

function showAuth(message?: string) {
  app?.stop();
  app = undefined;
  admin?.stop();
  admin = undefined;
  // /admin keeps its address through the login (same login as the chat).
  if (location.pathname !== "/" && location.pathname !== ADMIN_PATH) history.replaceState(null, "", "/");
  root.replaceChildren(
    authView(
      {
        login: (email, password) => signIn(email, password),
        register: (name, email, password) => signIn(email, password, name),
      },
      message,
    ),
  );
  document.title = "Chat — log in";
}

async function signIn(email: string, password: string, name?: string) {
  try {
    await credentials.login(email, password, name);
    const user = await new Api(credentials).call("me");
    // Back where the ended session left off (the chat, its draft comes with it).
    const back = takeReturn(user.id);
    if (back) history.replaceState(null, "", back);
    saveSession({ user });
    run({ user });
  } catch (err) {
    throw new Error(describe(err));
  }
}

function run(session: Session) {
  app?.stop();
  admin?.stop();
  admin = undefined;
  const end = (message?: string, keepPlace?: boolean) => {
    if (keepPlace) rememberReturn(location.pathname, session.user.id);
    credentials.forget();
    clearSession();
    showAuth(message);
  };
  if (location.pathname === ADMIN_PATH) return void runAdmin(session, () => end(ENDED, true));
  app = new ChatApp(root, session, credentials, end);
}

async function runAdmin(session: Session, ended: () => void) {
  app = undefined;
  const { mountAdmin } = await import("./admin/admin-page.ts");
  admin = { ...mountAdmin(root, new Api(credentials, ended)), userId: session.user.id };
}

async function boot() {
  const session = loadSession();
  if (!session) return showAuth();
  // A token of this tab (reload) or one from the refresh cookie: refused means log in again.
  try {
    await credentials.fresh();
    const user = await new Api(credentials).call("me");
    saveSession({ user });
    run({ user });
  } catch (err) {
    if (sessionOver(err) || (err instanceof ApiError && err.status === 401)) {
      rememberReturn(location.pathname, session.user.id);
      credentials.forget();
      clearSession();
      return showAuth(ENDED);
    }
    // Server unreachable: start anyway; the banner shows the state and everything retries.
    run(session);
  }
}

// Another tab logged in or out: follow it.
window.addEventListener("storage", (ev) => {
  if (ev.key !== SESSION_KEY && ev.key !== null) return;
  const next = loadSession();
  const current = app?.store.me.id ?? admin?.userId;
  if (!next && current !== undefined) {
    credentials.forget();
    showAuth();
  } else if (next && next.user.id !== current) {
    void credentials.fresh().then(
      () => run(next),
      () => showAuth(ENDED),
    );
  }
});

void boot();
