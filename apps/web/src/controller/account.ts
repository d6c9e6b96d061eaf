/**
 * The account pages (issue 15): my devices (sessions) with sign-out, and settings (name,
 * password, deleting the account). Answers an error text for the form, or undefined when done.
 */
import { describe } from "../api.ts";
import { saveSession } from "../session.ts";
import type { Page } from "../store.ts";
import type { Parts } from "./parts.ts";
import { showPageInPath } from "./routing.ts";

export class Account {
  constructor(private readonly p: Parts) {}

  show(page: Page): void {
    const s = this.p.store;
    s.page = page;
    if (page !== "chats") s.activeChatId = undefined;
    showPageInPath(page);
    this.opened();
  }

  /** An account page became visible: what it shows is asked afresh. */
  opened(): void {
    if (this.p.store.page === "devices") {
      void this.loadSessions();
      void this.p.encryptionDevices.load();
    }
    this.p.screen.render();
  }

  async loadSessions(): Promise<void> {
    try {
      this.p.store.sessions = (await this.p.api.call("listSessions")).sessions;
    } catch (err) {
      this.p.screen.notify(`Could not load your devices: ${describe(err)}`);
    }
    this.p.screen.render();
  }

  async endSession(id: string): Promise<void> {
    try {
      await this.p.api.call("endSession", { params: { session_id: id } });
    } catch (err) {
      this.p.screen.notify(`Could not sign out that device: ${describe(err)}`);
    }
    await this.loadSessions();
  }

  async endOthers(): Promise<void> {
    try {
      const { ended } = await this.p.api.call("endOtherSessions");
      this.p.screen.notify(ended === 1 ? "Signed out 1 other device" : `Signed out ${ended} other devices`);
    } catch (err) {
      this.p.screen.notify(`Could not sign out the other devices: ${describe(err)}`);
    }
    await this.loadSessions();
  }

  async rename(name: string): Promise<string | undefined> {
    try {
      const me = await this.p.api.call("updateMe", { body: { name } });
      const s = this.p.store;
      s.me.name = me.name;
      s.names.set(me.id, me.name);
      saveSession({ user: s.me });
      this.p.screen.notify("Your name is changed");
      return undefined;
    } catch (err) {
      return describe(err);
    }
  }

  async changePassword(current: string, next: string): Promise<string | undefined> {
    try {
      const { ended } = await this.p.api.call("changePassword", {
        body: { current_password: current, new_password: next },
      });
      this.p.screen.notify(
        ended > 0 ? `Password changed; ${ended} other device(s) signed out` : "Password changed",
      );
      return undefined;
    } catch (err) {
      return describe(err);
    }
  }

  async deleteAccount(password: string): Promise<string | undefined> {
    // The server drops this page's socket as it deletes: that is no expiry to come back from.
    this.p.deleting = true;
    try {
      await this.p.api.call("deleteAccount", { body: { password } });
    } catch (err) {
      this.p.deleting = false;
      return describe(err);
    }
    this.p.signedOut();
    return undefined;
  }
}
