-- Sessions (issue 15): one row per login on a device. Only a SHA-256 of the refresh token is kept
-- (the token is 256 random bits, so a plain hash is enough: nothing to brute-force). Refreshing
-- rotates it: the row takes the new hash, the old hash goes to spent_refresh_tokens, and a spent
-- hash presented again ends the whole session (theft detection, OAuth 2.0 Security BCP §4.14).
CREATE TABLE "sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" INTEGER NOT NULL,
    "refresh_hash" CHAR(64) NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "device" VARCHAR(200) NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "last_used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "last_ip" VARCHAR(64) NOT NULL DEFAULT '',
    "revoked_at" TIMESTAMPTZ(3),
    "revoke_reason" VARCHAR(32),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE UNIQUE INDEX "sessions_refresh_hash_key" ON "sessions"("refresh_hash");
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");
-- Nodes re-read recently ended sessions on a short period (auth/revocations.ts).
CREATE INDEX "sessions_revoked_at_idx" ON "sessions"("revoked_at");

CREATE TABLE "spent_refresh_tokens" (
    "token_hash" CHAR(64) NOT NULL,
    "session_id" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "spent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),

    CONSTRAINT "spent_refresh_tokens_pkey" PRIMARY KEY ("token_hash"),
    CONSTRAINT "spent_refresh_tokens_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX "spent_refresh_tokens_session_id_idx" ON "spent_refresh_tokens"("session_id");
