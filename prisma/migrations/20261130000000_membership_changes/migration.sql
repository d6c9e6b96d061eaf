-- Membership is the database's, not Redis's (docs/realtime.md, "Membership and delivery").
-- Every add or remove bumps the chat's members_version and appends to membership_changes in the same
-- transaction: each message carries the version it was sent under, and nodes poll the log to
-- reconcile their sockets' rooms after a Redis blip.
ALTER TABLE "chats" ADD COLUMN "members_version" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "membership_changes" (
    "id" BIGSERIAL NOT NULL,
    "chat_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "members_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "membership_changes_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "membership_changes_created_at_idx" ON "membership_changes"("created_at");
