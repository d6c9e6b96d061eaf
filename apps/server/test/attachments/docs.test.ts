/**
 * Issue 16, item 3: the API documents show messages' files — OpenAPI (the Message, the send body,
 * the chat list's preview, the send's 409) and AsyncAPI (message:send and every message event).
 */
import { expect } from "chai";
import request from "supertest";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "@chat/protocol";
import { useNode } from "../support/node.ts";

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  maxItems?: number;
  required?: string[];
  anyOf?: Schema[];
};

/** A component schema, following `$ref`s within the document. */
function resolve(doc: { components: { schemas: Record<string, Schema> } }, s: Schema): Schema {
  while (s.$ref) s = doc.components.schemas[s.$ref.split("/").pop()!];
  return s;
}

describe("API docs show messages' files", () => {
  const node = useNode();

  it("OpenAPI: Message.attachments (optional, Attachment items), SendMessageBody.attachment_ids, last_message_preview, 409", async () => {
    const doc = (await request(node.url).get("/openapi.json").expect(200)).body;
    const schemas = doc.components.schemas as Record<string, Schema>;
    const message = schemas.Message;
    expect(message.required).to.not.include("attachments");
    const files = resolve(doc, message.properties!.attachments);
    expect(files.type).to.equal("array");
    const item = resolve(doc, files.items!);
    expect(Object.keys(item.properties!)).to.include.members([
      "id",
      "name",
      "size",
      "mime",
      "url",
      "thumbnail_url",
    ]);
    const body = schemas.SendMessageBody;
    expect(body.properties!.attachment_ids.maxItems).to.equal(MAX_ATTACHMENTS_PER_MESSAGE);
    expect(body.required).to.not.include("text");
    expect(schemas.ChatSummary.properties).to.have.property("last_message_preview");
    const send = doc.paths["/api/v1/chats/{chat_id}/messages"].post;
    expect(JSON.stringify(send.responses["409"])).to.include("attachment_unusable");
  });

  it("AsyncAPI: message:send takes attachment_ids; message events carry attachments", async () => {
    const doc = (await request(node.url).get("/asyncapi.json").expect(200)).body;
    const text = JSON.stringify(doc);
    const schemas = doc.components.schemas as Record<string, Schema>;
    expect(schemas.MessageSendEvent.properties!.attachment_ids.maxItems).to.equal(
      MAX_ATTACHMENTS_PER_MESSAGE,
    );
    expect(schemas.Message.properties).to.have.property("attachments");
    expect(text).to.include('"Attachment"');
  });
});
