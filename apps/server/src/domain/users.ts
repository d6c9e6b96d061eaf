import { AppError } from "@chat/protocol";
import { checkPassword, dummyHash, hashPassword } from "../auth/passwords.ts";
import type { DomainContext } from "./context.ts";
import { proposeRemovalsOfUser } from "./mls-delivery.ts";

export interface PublicUser {
  id: number;
  name: string;
  email: string;
}

/** Registers a user; the email arrives lower-cased from the schema. 409 if it is taken. */
export async function registerUser(
  ctx: DomainContext,
  input: { name: string; email: string; password: string },
): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password, ctx.bcryptCost);
  try {
    const u = await ctx.db.prisma.user.create({
      data: { name: input.name, email: input.email, passwordHash },
    });
    return { id: u.id, name: u.name, email: u.email };
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new AppError("email_taken");
    throw err;
  }
}

/** Checks credentials in constant time whether or not the email exists; one error for both failures. */
export async function authenticate(ctx: DomainContext, email: string, password: string): Promise<PublicUser> {
  const u = await ctx.db.prisma.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  const ok = await checkPassword(password, u?.passwordHash ?? (await dummyHash(ctx.bcryptCost)));
  // A deleted account logs in no more, also when an operator only set deleted_at in SQL.
  if (!u || !ok || u.deletedAt !== null) throw new AppError("invalid_credentials");
  return { id: u.id, name: u.name, email: u.email };
}

/** Sets a new password if `current` is the user's password (403 wrong_password otherwise). */
export async function changePassword(
  ctx: DomainContext,
  userId: number,
  current: string,
  next: string,
): Promise<void> {
  const u = await ctx.db.prisma.user.findUnique({ where: { id: userId }, select: { passwordHash: true } });
  if (!u || !(await checkPassword(current, u.passwordHash))) throw new AppError("wrong_password");
  const passwordHash = await hashPassword(next, ctx.bcryptCost);
  await ctx.db.prisma.user.update({ where: { id: userId }, data: { passwordHash } });
}

/** Changes a user's display name (validated by the caller's schema, as at registration). */
export async function renameUser(ctx: DomainContext, userId: number, name: string): Promise<PublicUser> {
  const u = await ctx.db.prisma.user.update({
    where: { id: userId },
    data: { name },
    select: { id: true, name: true, email: true },
  });
  return u;
}

/** What a deleted account's messages and memberships show as its name. */
export const DELETED_NAME = "Deleted user";

/**
 * Deletes the account if `password` is its password (403 wrong_password otherwise). The row stays,
 * anonymized, so the user's messages stay where they were (as from "Deleted user"); the email is
 * freed for a new account; no password can log in to it. Sessions are ended by the caller.
 */
export async function deleteAccount(ctx: DomainContext, userId: number, password: string): Promise<void> {
  const u = await ctx.db.prisma.user.findFirst({
    where: { id: userId, deletedAt: null },
    select: { passwordHash: true },
  });
  if (!u || !(await checkPassword(password, u.passwordHash))) throw new AppError("wrong_password");
  await ctx.db.prisma.user.update({
    where: { id: userId },
    data: {
      name: DELETED_NAME,
      email: `deleted-${userId}@deleted.invalid`,
      // Not a bcrypt hash: no password matches it (and the freed email no longer leads here).
      passwordHash: "!",
      deletedAt: new Date(),
    },
  });
  // Its devices go too (issue 17): no KeyPackage is handed out for them any more, and the server
  // proposes their removal from every encrypted chat's group.
  await ctx.db.pool.query(
    `WITH d AS (UPDATE devices SET removed_at = now() WHERE user_id = $1 AND removed_at IS NULL RETURNING id)
     DELETE FROM key_packages WHERE device_id IN (SELECT id FROM d)`,
    [userId],
  );
  await proposeRemovalsOfUser(ctx, userId, userId);
}

export async function findUser(ctx: DomainContext, id: number): Promise<PublicUser | null> {
  // A deleted account is found by no lookup: its tokens are refused like those of a missing user.
  const u = await ctx.db.prisma.user.findFirst({
    where: { id, deletedAt: null },
    select: { id: true, name: true, email: true },
  });
  return u;
}

/**
 * People to chat with: by name (substring, any case) or by the *whole* email (exact, any case),
 * never myself. Email substrings are not matched: with them an attacker rebuilt a user's email
 * character by character from search results (issue 12, item 7).
 */
export async function searchUsers(ctx: DomainContext, me: number, query: string, limit = 20) {
  // Prisma passes `contains` into LIKE unescaped: "%" or "_" would match everyone.
  const q = query.replace(/[\\%_]/g, "\\$&");
  const users = await ctx.db.prisma.user.findMany({
    where: {
      id: { not: me },
      deletedAt: null,
      // Emails are stored lower-cased (the register schema), so equality on the lower-cased query is exact.
      OR: [{ name: { contains: q, mode: "insensitive" } }, { email: query.trim().toLowerCase() }],
    },
    select: { id: true, name: true },
    orderBy: { id: "asc" },
    take: limit,
  });
  return users;
}
