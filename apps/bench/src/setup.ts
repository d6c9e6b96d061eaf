/** Users and chats for a run, created through the REST API as a real client would (ApiClient). */
import { ApiClient } from "@chat/client";

export interface BenchUser {
  index: number;
  id: number;
  token: string;
  chatId: number;
}

export interface BenchChat {
  id: number;
  members: number[]; // user indexes
}

/** Runs `fn` over 0…n-1 with at most `limit` at a time; reports progress every 500 ms. */
export async function pool(
  n: number,
  limit: number,
  fn: (i: number) => Promise<void>,
  progress?: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  const timer = progress && setInterval(() => progress(done), 500);
  try {
    await Promise.all(
      Array.from({ length: Math.min(limit, n) }, async () => {
        while (next < n) {
          const i = next++;
          await fn(i);
          done++;
        }
      }),
    );
  } finally {
    if (timer) clearInterval(timer);
  }
}

/** Retries a setup call a few times: thousands of them at once may meet a transient refusal. */
async function retry<T>(fn: () => Promise<T>, tries = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 100 * i));
    }
  }
}

/** Members a createChat call may name besides its owner (CreateChatBody's `member_ids`). */
const CREATE_MEMBERS = 100;

export async function createUsersAndChats(
  url: string,
  o: { users: number; chatSize: number; concurrency: number; runId: string; encrypted?: boolean },
  log: (line: string) => void,
): Promise<{ users: BenchUser[]; chats: BenchChat[] }> {
  const users: BenchUser[] = [];
  const password = "bench password 1234";
  const started = performance.now();
  await pool(
    o.users,
    o.concurrency,
    async (i) => {
      const api = new ApiClient(url);
      const email = `bench-${o.runId}-${i}@example.test`;
      const reg = await retry(() => api.register(`bench ${i}`, email, password));
      const token = await retry(() => api.login(email, password));
      users[i] = { index: i, id: reg.id, token, chatId: 0 };
    },
    (done) => log(`setup: ${done}/${o.users} users registered and logged in`),
  );
  const chats: BenchChat[] = [];
  const nChats = Math.floor(o.users / o.chatSize);
  await pool(nChats, o.concurrency, async (c) => {
    const members = Array.from({ length: o.chatSize }, (_, k) => c * o.chatSize + k);
    const owner = new ApiClient(url, { token: users[members[0]].token });
    // createChat takes at most CREATE_MEMBERS members besides the owner; a bigger group gets the rest added.
    const first = members.slice(1, 1 + CREATE_MEMBERS);
    const res = await retry(() =>
      owner.call("createChat", {
        body: {
          name: `bench chat ${c}`,
          chat_type: "group",
          member_ids: first.map((m) => users[m].id),
          ...(o.encrypted && { encrypted: true }),
        },
      }),
    );
    await pool(members.length - 1 - first.length, 8, async (k) => {
      const user_id = users[members[1 + CREATE_MEMBERS + k]].id;
      await retry(() => owner.call("addMember", { params: { chat_id: res.chat_id }, body: { user_id } }));
    });
    chats[c] = { id: res.chat_id, members };
    for (const m of members) users[m].chatId = res.chat_id;
  });
  log(
    `setup: ${o.users} users in ${nChats} chats of ${o.chatSize} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { users, chats };
}

/**
 * The users that send when only `senders` of them do: the first ceil(senders / chats) members of
 * each chat, chat after chat, `senders` in all (0: every user).
 */
export function sendersOf(chats: BenchChat[], senders: number): number[] | undefined {
  if (senders <= 0) return undefined;
  const perChat = Math.ceil(senders / chats.length);
  return chats.flatMap((c) => c.members.slice(0, perChat)).slice(0, senders);
}
