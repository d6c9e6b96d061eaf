/** Reactions (issue 18): any one emoji, one of each per user per message, toggled. */
import { z } from "zod";
import { id } from "./common.ts";

/** Longest emoji accepted, in UTF-16 code units (ZWJ families and flags with tags fit). */
export const EMOJI_MAX = 32;
/** Distinct emojis one message may carry; a new one past this is refused (`conflict`). */
export const REACTION_KINDS_MAX = 20;
/** Users listed per emoji (the first to react); `count` is always the whole number. */
export const REACTION_USERS_SHOWN = 20;

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|^[0-9#*]\uFE0F?\u20E3$/u;
const FORBIDDEN = /[\p{White_Space}\p{Cc}]/u;

/** One emoji: a single grapheme cluster that is pictographic (or a flag, or a keycap). */
export function isOneEmoji(s: string): boolean {
  if (s.length === 0 || s.length > EMOJI_MAX || FORBIDDEN.test(s)) return false;
  const graphemes = [...segmenter.segment(s)];
  return graphemes.length === 1 && PICTOGRAPHIC.test(s);
}

export const emoji = z
  .string()
  .max(EMOJI_MAX, `must be at most ${EMOJI_MAX} characters`)
  .refine(isOneEmoji, "must be exactly one emoji")
  .meta({
    description: "exactly one emoji (one grapheme cluster: skin tones, ZWJ sequences and flags allowed)",
  });

export const ReactionSchema = z
  .object({
    emoji: z.string(),
    count: z.number().int(),
    user_ids: z
      .array(z.number().int())
      .max(REACTION_USERS_SHOWN)
      .meta({
        description: `who reacted, earliest first: at most ${REACTION_USERS_SHOWN} (count is the whole number)`,
      }),
  })
  .meta({ id: "Reaction" });

export const reactionList = z.array(ReactionSchema).max(REACTION_KINDS_MAX);

export const ToggleReactionBody = z.strictObject({ emoji }).meta({ id: "ToggleReactionBody" });

export const ReactionsChanged = z
  .object({
    chat_id: z.number().int(),
    message_id: z.number().int(),
    reactions: reactionList.meta({ description: "the message's reactions now, first added first" }),
  })
  .meta({ id: "ReactionsChanged" });

export const ToggleReactionResponse = ReactionsChanged.extend({
  emoji: z.string(),
  /** true: my reaction was added; false: it was taken back. */
  reacted: z.boolean(),
}).meta({ id: "ToggleReactionResponse" });

export const reactionToggleEvent = z
  .strictObject({ chat_id: id, message_id: id, emoji })
  .meta({ id: "ReactionToggleEvent" });
