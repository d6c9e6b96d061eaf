import { Router, type RequestHandler } from "express";
import {
  attachmentLink,
  completeUpload,
  createUpload,
  type AttachmentDeps,
} from "../../domain/attachments.ts";
import { bind } from "../bind.ts";

export function attachmentRoutes(deps: AttachmentDeps, auth: RequestHandler): Router {
  const r = Router();
  bind(r, "createUpload", [auth], async ({ user, body }) => createUpload(deps, user.id, body));
  bind(r, "completeUpload", [auth], async ({ user, params }) =>
    completeUpload(deps, user.id, params.attachment_id),
  );
  // The JSON link first: `/link` and `/thumbnail` must not be taken for an id.
  bind(r, "getAttachmentLink", [auth], async ({ user, params, query }) =>
    attachmentLink(deps, user.id, params.attachment_id, query.variant),
  );
  bind(r, "getAttachmentThumbnail", [auth], async ({ user, params }) =>
    attachmentLink(deps, user.id, params.attachment_id, "thumbnail"),
  );
  bind(r, "getAttachment", [auth], async ({ user, params }) =>
    attachmentLink(deps, user.id, params.attachment_id),
  );
  return r;
}
