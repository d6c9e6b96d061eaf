import { z } from "zod";
import { storable } from "./common.ts";

const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email("must be a valid email"))
  .transform((s) => s.toLowerCase());
const password = z.string().min(8, "must be at least 8 characters").max(72, "must be at most 72 bytes");

/** A new password: the register rules, and storable text (no NUL, no lone surrogate). */
export const ChangePasswordBody = z
  .strictObject({
    current_password: storable(z.string().min(1).max(1024)),
    new_password: storable(password.refine((p) => Buffer.byteLength(p) <= 72, "must be at most 72 bytes")),
  })
  .meta({ id: "ChangePasswordBody" });

export const DeleteAccountBody = z
  .strictObject({ password: z.string().min(1).max(1024) })
  .meta({ id: "DeleteAccountBody" });

/** A person's display name: registration's rule, and renaming's. */
const userName = storable(z.string().trim().min(1, "must not be empty").max(100));

export const RegisterBody = z
  .strictObject({
    name: userName,
    email,
    password: password.refine((p) => Buffer.byteLength(p) <= 72, "must be at most 72 bytes"),
  })
  .meta({ id: "RegisterBody" });

export const UpdateMeBody = z.strictObject({ name: userName }).meta({ id: "UpdateMeBody" });

export const UserSchema = z
  .object({ id: z.number().int(), name: z.string(), email: z.string() })
  .meta({ id: "User" });

export const PublicUserSchema = z
  .object({ id: z.number().int(), name: z.string() })
  .meta({ id: "PublicUser" });

export const RegisterResponse = UserSchema.extend({ message: z.string() }).meta({ id: "RegisterResponse" });

/**
 * OAuth2 password form (`username` is the email) or the same fields as JSON. Strict like every
 * other body: the OAuth2 form's own fields are all listed, anything else is a 400.
 */
export const TokenBody = z
  .strictObject({
    username: storable(z.string().max(254)).optional(),
    email: storable(z.string().max(254)).optional(),
    password: z.string().max(1024),
    grant_type: z.literal("password").optional(),
    scope: z.string().max(1024).optional(),
    client_id: z.string().max(1024).optional(),
    client_secret: z.string().max(1024).optional(),
  })
  .refine((b) => b.username !== undefined || b.email !== undefined, {
    message: "username (the email) is required",
    path: ["username"],
  })
  .meta({ id: "TokenBody" });

export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int().meta({ description: "seconds until the token expires" }),
  })
  .meta({ id: "TokenResponse" });

export const UserSearchQuery = z.strictObject({
  query: storable(z.string().trim().min(1).max(100)),
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(50))
    .optional(),
});
export const UserSearchResponse = z.object({ users: z.array(PublicUserSchema) }).meta({ id: "UserList" });
