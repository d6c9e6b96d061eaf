import { expect } from "chai";
import request from "supertest";
import { eventually } from "../support/wait.ts";
import { useEncryptedWorld } from "./web-encrypted-world.ts";

/**
 * An encrypted group in the web app, in Chromium across two nodes (issue 17): three people in
 * their own browser profiles (each registers its MLS device at login, not at its first encrypted
 * chat). Alice creates an encrypted group with Bob, they talk; Carol is added and reads what comes
 * after, not before (and says so); Bob is removed (the members' devices commit the server's Remove
 * proposal) and gets nothing after; Alice edits a message (a new ciphertext naming it) and Carol
 * sees the new text. Sends go through the outbox: one written while Alice is offline goes out
 * once she is back, stored once.
 */
describe("web client in Chromium: an encrypted group", function () {
  this.timeout(120_000);
  const world = useEncryptedWorld("e2eg");
  const { email, open } = world;

  /** How many MLS devices a user has registered. */
  const devicesOf = async (name: string) => {
    const res = await request(world.x.url)
      .get("/api/v1/devices")
      .set(await world.auth(name))
      .expect(200);
    return (res.body.devices as unknown[]).length;
  };

  it("create, talk, add a member (new, not old), remove one, edit; an offline send goes out once", async () => {
    const alice = await open(world.w.nginx.url);
    const bob = await open(world.y.url);
    const carol = await open(world.x.url);
    await alice.register("Alice", email("alice"));
    await bob.register("Bob", email("bob"));
    await carol.register("Carol", email("carol"));
    // Eager registration: every profile has its device (and KeyPackages) before any encrypted chat.
    for (const who of ["alice", "bob", "carol"])
      await eventually(async () => expect(await devicesOf(who)).to.equal(1), 20_000);

    const a = alice.page;
    await a.getByRole("button", { name: "New group" }).click();
    await a.getByLabel("Group name").fill("Secret plans");
    const form = a.getByRole("region", { name: "New group" });
    await form.getByLabel("Add people").fill(email("bob"));
    await form.getByRole("button", { name: "Add", exact: true }).click();
    await form.getByLabel("End-to-end encrypted", { exact: true }).check();
    await form.getByRole("button", { name: "Create group" }).click();
    await a.locator("#conversation-title", { hasText: "Secret plans" }).waitFor();
    await a.locator('#conversation-title svg[aria-label="End-to-end encrypted"]').waitFor();

    // Bob's device was registered at login: Alice's commit added it, it joins from the Welcome.
    await bob.openChat("Secret plans");
    for (const p of [alice, bob]) await p.page.locator('[data-e2e="joined"]').waitFor({ timeout: 45_000 });
    await alice.send("Only Bob and I know");
    await bob.bubble("Only Bob and I know").waitFor();
    await bob.send("Indeed");
    await alice.bubble("Indeed").waitFor();

    // Carol is added: her device joins and reads what comes next, not what came before.
    await a.getByRole("button", { name: "Members" }).click();
    const panel = a.getByRole("region", { name: "Members" });
    await panel.getByLabel("Add people").fill(email("carol"));
    await panel.getByRole("button", { name: "Add", exact: true }).click();
    await carol.openChat("Secret plans");
    await carol.page.locator('[data-e2e="joined"]').waitFor({ timeout: 45_000 });
    await carol.bubble("Sent before this device joined: it cannot be read here.").first().waitFor();
    await alice.send("Welcome, Carol");
    await carol.bubble("Welcome, Carol").waitFor();
    await bob.bubble("Welcome, Carol").waitFor();
    expect(await carol.texts()).to.not.include("Only Bob and I know");
    await carol.send("Happy to be here");
    await alice.bubble("Happy to be here").waitFor();
    await bob.bubble("Happy to be here").waitFor();

    // Bob is removed: the chat leaves his list; what follows never reaches his page.
    await panel.getByRole("button", { name: "Remove Bob" }).click();
    await bob.chatItem("Secret plans").waitFor({ state: "detached" });
    await alice.send("Bob is gone now");
    await carol.bubble("Bob is gone now").waitFor();

    // Alice edits her message: a new ciphertext naming it; Carol reads the new text, marked edited.
    const mine = alice.bubble("Bob is gone now");
    await mine.getByRole("button", { name: "Edit message" }).click();
    await a.getByRole("textbox", { name: "Edit message" }).fill("Bob has left the group");
    await a.getByRole("button", { name: "Save" }).click();
    await alice.bubble("Bob has left the group").waitFor();
    const edited = carol.bubble("Bob has left the group");
    await edited.waitFor();
    expect(await edited.locator(".edited").count()).to.equal(1);
    expect(await carol.texts()).to.not.include("Bob is gone now");

    // Offline, Alice writes: it waits in the outbox, goes out when she is back, stored once.
    await alice.context.setOffline(true);
    await alice.send("Written offline");
    await alice.bubble("Written offline").waitFor();
    await alice.context.setOffline(false);
    await carol.bubble("Written offline").waitFor({ timeout: 30_000 });
    await eventually(async () => expect(await carol.bubble("Written offline").count()).to.equal(1));
    await eventually(async () =>
      expect(await alice.bubble("Written offline").getAttribute("data-state")).to.be.oneOf(["sent", "read"]),
    );

    expect((await bob.page.content()).includes("Bob is gone now")).to.equal(false);
    expect((await bob.page.content()).includes("Bob has left the group")).to.equal(false);
    await carol.screenshot("encrypted-group");
  });
});
