/** Web Push (issue 18, item 4): VAPID key, subscriptions per session, per-chat mute, the push payload. */
import { z } from "zod";
import { id, isoDate, storable } from "./common.ts";

/** base64url without padding, as `PushSubscription.toJSON()` gives the keys. */
const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

export const VapidKeyResponse = z
  .object({
    public_key: z.string().meta({
      description: "the VAPID public key (base64url, uncompressed P-256 point): the `applicationServerKey`",
    }),
  })
  .meta({ id: "VapidKeyResponse" });

/** The endpoint URL's length bound; https is required in production (the server checks it). */
export const PUSH_ENDPOINT_MAX = 2048;

export const PushSubscribeBody = z
  .strictObject({
    endpoint: storable(z.string().max(PUSH_ENDPOINT_MAX)).pipe(z.url({ protocol: /^https?$/ })),
    /** Given by browsers; ignored (a push service answers 404/410 for an expired subscription). */
    expirationTime: z.number().nullable().optional(),
    keys: z.strictObject({
      /** The browser's P-256 public key: 65 bytes, 87 characters. */
      p256dh: base64url(86, 88),
      /** The auth secret: 16 bytes, 22 characters. */
      auth: base64url(21, 24),
    }),
  })
  .meta({ id: "PushSubscribeBody" });

export const PushSubscriptionResponse = z
  .object({ endpoint: z.string(), created: z.boolean() })
  .meta({ id: "PushSubscriptionResponse" });

export const PushUnsubscribeQuery = z
  .strictObject({ endpoint: storable(z.string().min(1).max(PUSH_ENDPOINT_MAX)) })
  .meta({ id: "PushUnsubscribeQuery" });

export const PushUnsubscribeResponse = z
  .object({ removed: z.boolean() })
  .meta({ id: "PushUnsubscribeResponse" });

export const MuteBody = z
  .strictObject({
    until: z.union([z.iso.datetime({ offset: true }), z.literal("forever"), z.null()]).meta({
      description: 'muted until this time, "forever", or null to unmute',
    }),
  })
  .meta({ id: "MuteBody" });

export const MuteResponse = z
  .object({
    chat_id: id,
    muted_until: z.union([isoDate, z.literal("forever"), z.null()]),
  })
  .meta({ id: "MuteResponse" });

/** What a push carries (the service worker shows it; the click opens `chat_id`). */
export const PushPayloadSchema = z
  .object({
    type: z.literal("message"),
    chat_id: id,
    message_id: id,
    seq: z.number().int(),
    sender_name: z.string(),
    chat_name: z.string(),
    /** A short preview of a plain chat's text; "New encrypted message" in an encrypted chat. */
    preview: z.string(),
    encrypted: z.boolean(),
    /** I am @mentioned in it (it came through a mute). */
    mention: z.boolean(),
  })
  .meta({ id: "PushPayload" });
export type PushPayload = z.infer<typeof PushPayloadSchema>;
