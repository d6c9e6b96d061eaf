/** What the search panel shows: the query, where it looks, what it found so far, paging. */
import type { RouteResponse } from "@chat/protocol";

export type SearchHit = RouteResponse<"searchMessages">["results"][number];

interface SearchState {
  query: string;
  /** "all": every chat of mine on the server; a chat id: that chat only. */
  scope: "all" | number;
  results: SearchHit[];
  /** The server's cursor for "More"; null when nothing more matched (or the search ran here). */
  next: string | null;
  loading: boolean;
  error: string | undefined;
  /** The search ran on this device (an encrypted chat's decrypted messages). */
  local: boolean;
  /** A search has run for this query and scope (so "nothing found" may be said). */
  done: boolean;
}

export function emptySearch(): SearchState {
  return {
    query: "",
    scope: "all",
    results: [],
    next: null,
    loading: false,
    error: undefined,
    local: false,
    done: false,
  };
}

/** A message I am replying to, as the composer quotes it. */
export interface ReplyDraft {
  id: number;
  seq: number;
  sender_id: number;
  text: string;
}
