-- Message search (issue 18): full-text search over the messages of the chats a user is in.
-- One vector holds each word three ways: as written (the `simple` configuration: names, other
-- languages, any prefix), and stemmed in Russian and in English, so "сообщения" finds
-- "сообщение" and "messages" finds "message". Queries ask each word as a prefix in all three.
-- The function is IMMUTABLE (explicit configurations), so it can back an expression index.
CREATE FUNCTION message_search_vector(body TEXT) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsvector('simple'::regconfig, body)
        || to_tsvector('russian'::regconfig, body)
        || to_tsvector('english'::regconfig, body);

-- Only what can be found: plaintext messages not deleted (an encrypted chat's rows hold MLS bytes,
-- never searched on the server; a deleted message's text is emptied anyway).
CREATE INDEX "messages_search_idx" ON "messages" USING GIN (message_search_vector("text"))
    WHERE "kind" = 'text' AND "deleted_at" IS NULL;
