import { expect } from "chai";
import request from "supertest";
import { eventually } from "../support/wait.ts";
import { openEncryptedPrivateChat, useEncryptedWorld } from "./web-encrypted-world.ts";

/**
 * Encryption devices on the Devices page, in Chromium (issue 17): Bob has two browser profiles in
 * an encrypted chat with Alice; the second one is lost (closed). From the first, Bob renames it
 * and removes it: it is gone from his list and from the server's, and it leaves the chat's MLS
 * group (Alice's safety numbers count one device of Bob's in the chat), which goes on working.
 */
describe("web client in Chromium: encryption devices", function () {
  this.timeout(120_000);
  const world = useEncryptedWorld("e2e-devices");
  const { email, open } = world;

  it("Bob renames his lost browser's device and removes it from his other one: it leaves the chat's group", async () => {
    const alice = await open(world.w.nginx.url);
    const bob = await open(world.y.url);
    await alice.register("Alice", email("alice"));
    await bob.register("Bob", email("bob"));
    await openEncryptedPrivateChat(alice, bob, email("bob"));

    const lost = await open(world.x.url);
    await lost.page.getByLabel("Email").waitFor();
    await lost.login(email("bob"));
    await lost.openChat("Alice");
    await lost.page.locator('[data-e2e="joined"]').waitFor({ timeout: 20_000 });
    await alice.send("Bob has two devices");
    await lost.bubble("Bob has two devices").waitFor();
    await lost.page.close();

    await bob.page.getByRole("button", { name: "Devices" }).click();
    const section = bob.page.getByRole("region", { name: "Encryption devices" });
    const rows = section.locator("li.device");
    await eventually(async () => expect(await rows.count()).to.equal(2), 10_000);
    expect(await section.locator('li[data-this-browser="true"] .tag').textContent()).to.equal("This browser");
    const other = section.locator('li[data-this-browser="false"]');
    // No Remove on this browser's own device.
    expect(
      await section
        .locator('li[data-this-browser="true"]')
        .getByRole("button", { name: /^Remove/ })
        .count(),
    ).to.equal(0);

    await other.getByRole("button", { name: /^Rename/ }).click();
    await section.getByLabel("Device name").fill("Lost laptop");
    await section.getByRole("button", { name: "Save" }).click();
    await section.locator("li.device", { hasText: "Lost laptop" }).waitFor();
    await bob.screenshot("encryption-devices");

    await section.getByRole("button", { name: /^Remove Lost laptop/ }).click();
    await section.getByRole("button", { name: "Remove Lost laptop for good" }).click();
    await eventually(async () => expect(await rows.count()).to.equal(1), 10_000);
    const listed = await request(world.x.url)
      .get("/api/v1/devices")
      .set(await world.auth("bob"))
      .expect(200);
    expect(listed.body.devices.map((d: { name: string }) => d.name)).to.not.include("Lost laptop");

    // It left the group: Alice's safety numbers count one device of Bob's in the chat.
    await eventually(
      async () => {
        await alice.page.getByRole("button", { name: "Safety numbers" }).click();
        const name = alice.page.locator(".safety-row", { hasText: "Bob" }).locator(".safety-name");
        expect(await name.textContent()).to.equal("Bob · 1 device in this chat");
      },
      15_000,
      500,
    );
    // The chat goes on: Bob's remaining device reads and writes.
    await bob.page.getByRole("button", { name: "← Back to chats" }).click();
    await bob.openChat("Alice");
    await alice.send("Still here after the removal");
    await bob.bubble("Still here after the removal").waitFor();
  });
});
