import bcrypt from "bcryptjs";

/** bcryptjs's async API works in small slices, so a login does not stall other users' messages. */
export const hashPassword = (password: string, cost: number) => bcrypt.hash(password, cost);
export const checkPassword = (password: string, hash: string) => bcrypt.compare(password, hash);

// Per cost: a dummy of another cost would make unknown-email failures faster or slower than
// real ones (several in-process nodes with different costs share this module, e.g. in tests).
const dummies = new Map<number, Promise<string>>();
/**
 * A hash to compare against when the email is unknown, so a failed login takes the same time
 * whether or not the account exists (no user enumeration by timing).
 */
export function dummyHash(cost: number): Promise<string> {
  let dummy = dummies.get(cost);
  if (!dummy) dummies.set(cost, (dummy = bcrypt.hash("not-a-real-password", cost)));
  return dummy;
}
