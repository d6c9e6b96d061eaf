-- End-to-end encrypted chats with MLS (issue 17, first slice). The server is the group's Delivery
-- Service: it orders MLS messages in the chat's seq, keeps the epoch and the latest GroupInfo, routes
-- Welcomes, and holds devices and their KeyPackages. It never sees a group's secrets or plaintext.

-- A chat is encrypted from its creation on, or never. The epoch is the MLS group's as the server
-- accepted it (one commit per epoch); epoch_at is when it was reached (the grace window for
-- application messages of the epoch before); group_info the latest GroupInfo (base64 MLSMessage,
-- with the ratchet tree) a member's new device joins from.
ALTER TABLE "chats"
    ADD COLUMN "encrypted" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "mls_epoch" BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN "mls_epoch_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    ADD COLUMN "mls_group_info" TEXT;

-- An MLS message takes a seq like a text: kind says which. Its bytes (base64 MLSMessage) are in
-- "text", where the answer budgets already count them; epoch and the sending device from the
-- framing and the socket; refers_to: the message an edit replaces.
ALTER TABLE "messages"
    ADD COLUMN "kind" VARCHAR(12) NOT NULL DEFAULT 'text',
    ADD COLUMN "epoch" BIGINT,
    ADD COLUMN "sender_device" UUID,
    ADD COLUMN "refers_to" INTEGER,
    ADD CONSTRAINT "messages_kind_check" CHECK ("kind" IN ('text', 'mls_app', 'mls_commit', 'mls_proposal'));

-- A device: its own MLS signature key (Ed25519, base64). Removed devices stay (removed_at) so a
-- key is never handed to someone else.
CREATE TABLE "devices" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" INTEGER NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "signature_key" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "removed_at" TIMESTAMPTZ(3),
    CONSTRAINT "devices_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "devices_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "devices_signature_key_key" ON "devices"("signature_key");
CREATE INDEX "devices_user_id_idx" ON "devices"("user_id");

-- One-time KeyPackages (base64 MLSMessage); a claim deletes the one it hands out. The last-resort
-- one is handed out when the others are gone and is not deleted.
CREATE TABLE "key_packages" (
    "id" BIGSERIAL NOT NULL,
    "device_id" UUID NOT NULL,
    "data" TEXT NOT NULL,
    "last_resort" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "key_packages_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "key_packages_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "key_packages_device_id_idx" ON "key_packages"("device_id", "last_resort", "id");
CREATE UNIQUE INDEX "key_packages_one_last_resort" ON "key_packages"("device_id") WHERE "last_resort";

-- The devices in an encrypted chat's MLS group at its current epoch, read from the GroupInfo's
-- ratchet tree of the last accepted commit (leaf index: where a Remove points).
CREATE TABLE "mls_members" (
    "chat_id" INTEGER NOT NULL,
    "device_id" UUID NOT NULL,
    "user_id" INTEGER NOT NULL,
    "leaf_index" INTEGER NOT NULL,
    CONSTRAINT "mls_members_pkey" PRIMARY KEY ("chat_id", "device_id"),
    CONSTRAINT "mls_members_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- Welcomes waiting for their device (deleted when the device acknowledges them).
CREATE TABLE "mls_welcomes" (
    "id" BIGSERIAL NOT NULL,
    "chat_id" INTEGER NOT NULL,
    "device_id" UUID NOT NULL,
    "epoch" BIGINT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "mls_welcomes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "mls_welcomes_chat_id_fkey" FOREIGN KEY ("chat_id") REFERENCES "chats"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "mls_welcomes_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "mls_welcomes_device_id_idx" ON "mls_welcomes"("device_id", "id");

-- The server's own signature key as the groups' external sender (one row, made by the first node
-- that needs it). Base64.
CREATE TABLE "mls_server_key" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "public_key" VARCHAR(200) NOT NULL,
    "private_key" VARCHAR(200) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "mls_server_key_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "mls_server_key_one_row" CHECK ("id" = 1)
);
