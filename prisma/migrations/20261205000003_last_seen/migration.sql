-- "Last seen" (issue 18): when the user's last device disconnected, kept in PostgreSQL beside
-- Redis's copy, so it survives a Redis restart or flush (presence answers fall back to it).
ALTER TABLE "users" ADD COLUMN "last_seen_at" TIMESTAMPTZ(3);
