/**
 * Wraps one client→server event: validate the payload with its schema, run the handler, answer
 * the ack with {ok: true, data} or {ok: false, error}. An event without an ack callback is
 * dropped (there is nobody to answer); nothing a client sends can throw out of here.
 */
import {
  AppError,
  clientEvents,
  type ClientAckData,
  type ClientEventName,
  issuesToDetails,
} from "@chat/protocol";
import type { Socket } from "socket.io";
import type { z } from "zod";
import type { Logger } from "pino";
import { toAppError } from "../../http/errors.ts";

export type EventHandler<E extends ClientEventName> = (
  payload: z.output<(typeof clientEvents)[E]>,
  socket: Socket,
) => Promise<ClientAckData[E]>;

export function on<E extends ClientEventName>(
  socket: Socket,
  event: E,
  log: Logger,
  handler: EventHandler<E>,
) {
  socket.on(event as string, async (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack !== "function") return;
    const reply = ack as (res: unknown) => void;
    try {
      if (args.length !== 2)
        throw new AppError("validation_failed", "Expected one payload and an ack callback");
      const parsed = clientEvents[event].safeParse(args[0]);
      if (!parsed.success) {
        throw new AppError(
          "validation_failed",
          `Invalid ${event} payload`,
          issuesToDetails(parsed.error.issues),
        );
      }
      const data = await handler(parsed.data as z.output<(typeof clientEvents)[E]>, socket);
      reply({ ok: true, data });
    } catch (err) {
      const known = toAppError(err);
      if (!known) log.error({ err, event }, "socket handler failed");
      reply({ ok: false, error: (known ?? new AppError("internal")).toBody() });
    }
  });
}
