-- Replies (issue 18): a message may quote another message of the same chat (checked at send).
-- Messages are never removed one by one (a delete empties the text), so the quoted row stays and
-- its quote shows "deleted message"; SET NULL only matters if a whole chat goes.
ALTER TABLE "messages" ADD COLUMN "reply_to" INTEGER;
ALTER TABLE "messages" ADD CONSTRAINT "messages_reply_to_fkey" FOREIGN KEY ("reply_to") REFERENCES "messages"("id") ON DELETE SET NULL ON UPDATE CASCADE;
