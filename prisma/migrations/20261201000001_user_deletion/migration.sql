-- Deleting an account (issue 15) keeps its row, so its messages stay (shown as from "Deleted user"):
-- the row is anonymized (name, email freed, no password) and marked here; a deleted user is found
-- by no lookup (tokens, search, adding members), as if the row were gone.
ALTER TABLE "users" ADD COLUMN "deleted_at" TIMESTAMPTZ(3);
