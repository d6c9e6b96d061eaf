/**
 * Message search: on the server for my chats (all, or one), paged by its cursor; in an encrypted
 * chat on this device only, among the messages it has loaded and decrypted (the server cannot
 * read them, and no index is kept). A newer search makes an older answer's arrival harmless.
 */
import { localMatch, queryWords } from "../logic/highlight.ts";
import type { SearchHit } from "../logic/search-results.ts";
import { errorText } from "./error-text.ts";
import type { MessageContext } from "./message-context.ts";
import type { Parts } from "./parts.ts";

const PAGE = 20;

export class Search {
  private run = 0;

  constructor(
    private readonly p: Parts,
    private readonly context: MessageContext,
  ) {}

  find(query: string, scope: "all" | number): void {
    const st = this.p.store.search;
    Object.assign(st, { query, scope, results: [], next: null, error: undefined, local: false, done: false });
    const run = ++this.run;
    if (!query.trim()) {
      st.loading = false;
      return this.p.screen.render();
    }
    const chat = scope === "all" ? undefined : this.p.store.chats.get(scope);
    if (chat?.summary.encrypted) {
      st.results = this.onDevice(scope as number, query);
      Object.assign(st, { local: true, done: true, loading: false });
      return this.p.screen.render();
    }
    void this.fetch(run, undefined);
  }

  more(): void {
    const st = this.p.store.search;
    if (st.next && !st.loading) void this.fetch(this.run, st.next);
  }

  open(hit: SearchHit): void {
    void this.context.open(hit.chat_id, hit.seq);
  }

  private async fetch(run: number, before: string | undefined): Promise<void> {
    const st = this.p.store.search;
    st.loading = true;
    this.p.screen.render();
    try {
      const page = await this.p.api.call("searchMessages", {
        query: {
          q: st.query.trim(),
          chat_id: st.scope === "all" ? undefined : st.scope,
          before,
          limit: PAGE,
        },
      });
      if (run !== this.run) return;
      st.results = [...st.results, ...page.results];
      st.next = page.next_before;
      this.learnNames(page.results);
    } catch (err) {
      if (run === this.run) st.error = `Search failed: ${errorText(err)}`;
    } finally {
      if (run === this.run) {
        st.loading = false;
        st.done = true;
        this.p.screen.render();
      }
    }
  }

  /** Senders whose names this page has not met yet: their chats' members are loaded once. */
  private learnNames(hits: SearchHit[]): void {
    const s = this.p.store;
    const chats = new Set(hits.filter((x) => !s.names.has(x.sender_id)).map((x) => x.chat_id));
    for (const id of chats) {
      const e = s.chats.get(id);
      if (e && e.members === undefined) void this.p.members.load(e);
    }
  }

  /** The open encrypted chat's decrypted messages that hold every word, newest first. */
  private onDevice(chatId: number, query: string): SearchHit[] {
    const s = this.p.store;
    const e = s.chats.get(chatId);
    const words = queryWords(query);
    if (!e) return [];
    const hits: SearchHit[] = [];
    for (const m of [...e.timeline.messages()].reverse()) {
      const text = s.decrypted.get(m.id)?.text;
      if (m.deleted_at || !text) continue;
      const found = localMatch(text, words);
      if (found)
        hits.push({
          chat_id: chatId,
          message_id: m.id,
          seq: m.seq,
          sender_id: m.sender_id,
          created_at: m.created_at,
          rank: 0,
          ...found,
        });
    }
    return hits;
  }
}
