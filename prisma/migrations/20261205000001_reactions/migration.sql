-- Reactions (issue 18): any emoji, one of each per user per message, toggled. A message's reactions
-- go with it (cascade) and with a deleted account. Encrypted chats take none on the server.
CREATE TABLE "message_reactions" (
    "message_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "emoji" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "message_reactions_pkey" PRIMARY KEY ("message_id", "emoji", "user_id"),
    CONSTRAINT "message_reactions_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "messages"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "message_reactions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "message_reactions_user_id_idx" ON "message_reactions"("user_id");
