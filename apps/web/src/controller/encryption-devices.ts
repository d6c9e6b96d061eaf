/**
 * My encryption devices on the Devices page (issue 17): each browser profile or client that has
 * its own MLS identity (`/api/v1/devices`), listed, renamed and removed. Removing one is how a lost
 * device is shut out: the server drops its sockets, deletes its KeyPackages and proposes its
 * removal from every encrypted chat, which the members' next commit carries out.
 */
import { describe } from "../api.ts";
import type { Parts } from "./parts.ts";

export class EncryptionDevices {
  constructor(private readonly p: Parts) {}

  async load(): Promise<void> {
    try {
      this.p.store.encryptionDevices = (await this.p.api.call("listDevices")).devices;
    } catch (err) {
      this.p.screen.notify(`Could not load your encryption devices: ${describe(err)}`);
    }
    this.p.screen.render();
  }

  /** Answers an error text for the form, or undefined when done. */
  async rename(id: string, name: string): Promise<string | undefined> {
    try {
      await this.p.api.call("renameDevice", { params: { device_id: id }, body: { name } });
    } catch (err) {
      return describe(err);
    }
    await this.load();
    return undefined;
  }

  async remove(id: string): Promise<void> {
    try {
      await this.p.api.call("removeDevice", { params: { device_id: id } });
      this.p.screen.notify("Removed: the device is being taken out of your encrypted chats");
    } catch (err) {
      this.p.screen.notify(`Could not remove that device: ${describe(err)}`);
    }
    await this.load();
  }
}
