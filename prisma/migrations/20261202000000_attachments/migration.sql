-- Attachments (issue 16): the bytes live in object storage (filesystem or S3-compatible), never in
-- PostgreSQL or a node's memory; this row is what the node knows of them. An upload is asked for
-- (pending), its bytes sent straight to storage, then completed: the node checks what arrived
-- (sniffed type, real size, image dimensions and thumbnail) and marks it ready or failed. Sending a
-- message with attachment_ids links ready, unused uploads of the sender to the message (message_id,
-- chat_id, position) in the send's transaction; a file is readable by the members of that chat.
CREATE TABLE "attachments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "uploader_id" INTEGER NOT NULL,
    -- Where the bytes are in the storage driver; never derived from the client's file name.
    "storage_key" VARCHAR(200) NOT NULL,
    -- The client's file name, cleaned (no path, no control characters), for Content-Disposition.
    "name" VARCHAR(255) NOT NULL,
    "declared_mime" VARCHAR(127) NOT NULL,
    "declared_size" BIGINT NOT NULL,
    -- From the content at completion (file-type), not the client's word.
    "mime" VARCHAR(127),
    "size" BIGINT,
    "width" INTEGER,
    "height" INTEGER,
    "thumbnail_key" VARCHAR(200),
    -- pending → ready | failed
    "state" VARCHAR(10) NOT NULL DEFAULT 'pending',
    "fail_reason" VARCHAR(64),
    "message_id" INTEGER,
    "chat_id" INTEGER,
    -- Order within its message.
    "position" SMALLINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "completed_at" TIMESTAMPTZ(3),
    -- Set when the bytes were removed from storage (message deleted, upload abandoned).
    "purged_at" TIMESTAMPTZ(3),

    CONSTRAINT "attachments_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "attachments_state_check" CHECK ("state" IN ('pending', 'ready', 'failed')),
    CONSTRAINT "attachments_uploader_id_fkey" FOREIGN KEY ("uploader_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "attachments_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "attachments_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE SET NULL ON UPDATE CASCADE
);

CREATE UNIQUE INDEX "attachments_storage_key_key" ON "attachments"("storage_key");
-- A message's files, in order (every message answer joins them).
CREATE INDEX "attachments_message_id_position_idx" ON "attachments"("message_id", "position");
-- A user's quota and their pending uploads.
CREATE INDEX "attachments_uploader_id_created_at_idx" ON "attachments"("uploader_id", "created_at");
-- The sweeper: uploads never attached, and files whose message was deleted.
CREATE INDEX "attachments_unattached_idx" ON "attachments"("created_at") WHERE "message_id" IS NULL AND "purged_at" IS NULL;
