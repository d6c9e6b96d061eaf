/** Entry point: the login form or the chat, depending on the stored session; tabs follow each other. */
import { Api, signIn } from "./api.ts";
import { ChatApp } from "./app.ts";
import { clearSession, loadSession, saveSession, SESSION_KEY, type Session } from "./session.ts";
import { authView } from "./views/auth-view.ts";

const root = document.getElementById("app")!;
let app: ChatApp | undefined;

function showAuth(message?: string) {
  app?.stop();
  app = undefined;
  if (location.pathname !== "/") history.replaceState(null, "", "/");
  root.replaceChildren(
    authView(
      {
        login: async (email, password) => start(await signIn(email, password)),
        register: async (name, email, password) => start(await signIn(email, password, name)),
      },
      message,
    ),
  );
  document.title = "Chat — log in";
}

function start(session: Session) {
  saveSession(session);
  run(session);
}

function run(session: Session) {
  app?.stop();
  app = new ChatApp(root, session, (message) => {
    clearSession();
    showAuth(message);
  });
}

async function boot() {
  const session = loadSession();
  if (!session) return showAuth();
  // Check the stored token before showing anything: a refused one goes straight to the login form.
  try {
    const user = await new Api(session.token).call("me");
    run({ token: session.token, user });
  } catch (err) {
    if ((err as { status?: number }).status === 401) {
      clearSession();
      return showAuth("Your session has ended. Please log in again.");
    }
    // Server unreachable: start anyway; the banner shows the state and everything retries.
    run(session);
  }
}

// Another tab logged in or out: follow it.
window.addEventListener("storage", (ev) => {
  if (ev.key !== SESSION_KEY && ev.key !== null) return;
  const next = loadSession();
  const current = app?.store.me.id;
  if (!next && current !== undefined) showAuth();
  else if (next && next.user.id !== current) run(next);
});

void boot();
