-- Accounts that ended, however they ended (issue 15): through the API (users.deleted_at set), or by an
-- operator in SQL (`UPDATE users SET deleted_at = now() …` or `DELETE FROM users …`, which takes the
-- sessions with it). The nodes re-read this log with ended sessions (auth/revocations.ts): the user's
-- tokens are refused, their sockets drop and their groups get a new owner on every node. No foreign
-- key: the row outlives a deleted user.
CREATE TABLE "account_ends" (
    "user_id" INTEGER NOT NULL,
    "ended_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),

    CONSTRAINT "account_ends_pkey" PRIMARY KEY ("user_id")
);

CREATE INDEX "account_ends_ended_at_idx" ON "account_ends"("ended_at");

-- Marking a user deleted also ends their sessions, so PostgreSQL alone says they are over (no
-- refresh succeeds, none is listed), whoever wrote the UPDATE.
CREATE FUNCTION "account_ended"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "account_ends" ("user_id") VALUES (OLD."id")
    ON CONFLICT ("user_id") DO UPDATE SET "ended_at" = now();
  IF TG_OP = 'UPDATE' THEN
    UPDATE "sessions" SET "revoked_at" = now(), "revoke_reason" = 'account_deleted'
      WHERE "user_id" = OLD."id" AND "revoked_at" IS NULL;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "users_marked_deleted" AFTER UPDATE OF "deleted_at" ON "users"
  FOR EACH ROW WHEN (OLD."deleted_at" IS NULL AND NEW."deleted_at" IS NOT NULL)
  EXECUTE FUNCTION "account_ended"();

CREATE TRIGGER "users_deleted" AFTER DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION "account_ended"();
