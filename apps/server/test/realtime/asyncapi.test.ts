import { expect } from "chai";
import { Parser } from "@asyncapi/parser";
import request from "supertest";
import { clientEvents, serverEvents } from "@chat/protocol";
import { useNode } from "../support/node.ts";

describe("/asyncapi.json", () => {
  const node = useNode();

  it("is a valid AsyncAPI 3 document listing every event of the protocol", async () => {
    const res = await request(node.url).get("/asyncapi.json").expect(200).expect("content-type", /json/);
    const doc = res.body;
    expect(doc.asyncapi).to.equal("3.0.0");

    // The official parser: schema, references and AsyncAPI's own rules.
    const { document, diagnostics } = await new Parser().parse(doc);
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join(".")}: ${d.message}`)).to.deep.equal([]);
    expect(document).to.not.equal(undefined);

    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses).to.have.members([
      ...new Set([...Object.keys(clientEvents), ...Object.keys(serverEvents)]),
    ]);
    const ops = document!.operations().all();
    for (const event of Object.keys(clientEvents)) {
      const op = ops.find((o) => o.action() === "send" && o.channels().all()[0]?.address() === event);
      expect(op, `send ${event}`).to.not.equal(undefined);
      expect(op!.reply()?.messages().all(), `${event} ack`).to.have.length(1);
    }
    for (const event of Object.keys(serverEvents)) {
      const op = ops.find((o) => o.action() === "receive" && o.channels().all()[0]?.address() === event);
      expect(op, `receive ${event}`).to.not.equal(undefined);
      expect(op!.messages().all()[0].payload()?.type()).to.equal("object");
    }
    // A payload is described down to its fields (here through a shared component schema).
    const newMessage = ops
      .find((o) => o.id() === "receive_message_new")!
      .messages()
      .all()[0];
    expect(Object.keys(newMessage.payload()!.properties() ?? {})).to.include.members([
      "id",
      "chat_id",
      "seq",
    ]);
  });
});

describe("/asyncapi (the readable page)", () => {
  const node = useNode();

  it("lists every event with its payload, as escaped text", async () => {
    const res = await request(node.url).get("/asyncapi").expect(200).expect("content-type", /html/);
    for (const e of [...Object.keys(clientEvents), ...Object.keys(serverEvents)]) {
      expect(res.text).to.include(`<code>${e}</code>`);
    }
    expect(res.text).to.not.match(/<script/i);
  });
});
