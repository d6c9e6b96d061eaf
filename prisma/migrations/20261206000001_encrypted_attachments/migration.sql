-- Attachments of end-to-end encrypted chats (issue 17, item 4): the client encrypts the file (and
-- makes and encrypts its thumbnail) before upload; the key travels inside the MLS message. Such an
-- upload is an opaque blob: completion never sniffs, decodes or thumbnails it, its row keeps no
-- real name ('encrypted.bin') and no real type ('application/octet-stream'), and it may be sent only
-- into an encrypted chat (a plain upload only into a plain chat).
ALTER TABLE "attachments" ADD COLUMN IF NOT EXISTS "encrypted" BOOLEAN NOT NULL DEFAULT false;
