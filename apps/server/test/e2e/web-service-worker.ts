/**
 * The web client's service worker (/sw.js) driven from a test, standing in for the browser's push
 * service and notification centre: pushes are delivered through the DevTools protocol
 * (ServiceWorker.deliverPushMessage), the notifications the worker shows are recorded inside it,
 * and a click on one is dispatched to it. Needs a persistent profile (no push in incognito).
 */
import { expect } from "chai";
import { eventually } from "../support/wait.ts";
import type { BrowserContext, Page } from "../../../web/test/browser.ts";

interface ShownNotification {
  title: string;
  body?: string;
  tag?: string;
  data?: unknown;
}

/** What the notification click did: the windows it opened (their URLs), how many it focused. */
interface ClickOutcome {
  opened: string[];
  focused: number;
}

export interface ServiceWorkerDriver {
  /** Delivers a push (its data as the decrypted payload) as the browser's push service would. */
  push(data: string): Promise<void>;
  /** The notifications the worker showed, recorded once showNotification resolved. */
  shown(): Promise<ShownNotification[]>;
  /** Clicks a notification carrying `data` and waits for the worker's handling of it. */
  click(data: unknown): Promise<ClickOutcome>;
}

/**
 * Attaches to the origin's registered service worker (registered by `page` or about to be);
 * `push` goes through `page`'s DevTools session, so it works while `page` is open.
 * Headless Chromium's getNotifications() did not reliably list shown notifications (its display
 * is a stub), so they are recorded inside the worker; a worker with DevTools attached (Playwright's
 * handle) is not stopped, so the record stays.
 */
export async function driveServiceWorker(
  ctx: BrowserContext,
  page: Page,
  origin: string,
): Promise<ServiceWorkerDriver> {
  const cdp = await ctx.newCDPSession(page);
  const registrations: string[] = [];
  cdp.on(
    "ServiceWorker.workerRegistrationUpdated",
    (e: { registrations: Array<{ registrationId: string }> }) =>
      registrations.push(...e.registrations.map((r) => r.registrationId)),
  );
  await cdp.send("ServiceWorker.enable");
  await eventually(() => expect(registrations).to.not.be.empty, 10_000);
  const worker = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent("serviceworker"));
  await worker.evaluate(() => {
    const scope = self as unknown as { registration: ServiceWorkerRegistration; shown: unknown[] };
    const reg = scope.registration;
    const show = reg.showNotification.bind(reg);
    scope.shown = [];
    reg.showNotification = (title: string, o: NotificationOptions = {}) =>
      show(title, o).then(() => void scope.shown.push({ title, body: o.body, tag: o.tag, data: o.data }));
  });
  return {
    push: async (data) => {
      await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId: registrations[0], data });
    },
    shown: () => worker.evaluate(() => (self as unknown as { shown: ShownNotification[] }).shown),
    click: (data) =>
      worker.evaluate<ClickOutcome>(
        // As source: tsx names the functions inside with a `__name` helper the worker lacks.
        `var __name = (f) => f; (${clickInWorker.toString()})(${JSON.stringify(data)})`,
      ),
  };
}

/**
 * Runs in the worker. There is no DevTools command to click a notification, so the event is
 * dispatched there. Focusing and opening a window need the user activation a real click gives,
 * which a dispatched event lacks: those two calls are recorded instead; everything else the
 * handler does (matchAll, postMessage to the tab) is the browser's own.
 */
async function clickInWorker(data: unknown): Promise<ClickOutcome> {
  const out: ClickOutcome = { opened: [], focused: 0 };
  // The worker's own types (lib "webworker") are not in this project's compilation.
  const scope = self as unknown as {
    clients: { openWindow(url: string | URL): Promise<unknown> };
    WindowClient: { prototype: { focus(): Promise<unknown> } };
    dispatchEvent(e: Event): boolean;
  };
  scope.clients.openWindow = async (url) => {
    out.opened.push(String(url));
    return null;
  };
  scope.WindowClient.prototype.focus = async function () {
    out.focused++;
    return this;
  };
  const waits: Promise<unknown>[] = [];
  const ev = new Event("notificationclick");
  Object.defineProperties(ev, {
    notification: { value: { data, close: () => undefined } },
    waitUntil: { value: (p: Promise<unknown>) => void waits.push(p) },
  });
  scope.dispatchEvent(ev);
  await Promise.all(waits);
  return out;
}
