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
import { toAppError } from "../../edge/errors.ts";

export type EventHandler<E extends ClientEventName> = (
  payload: z.output<(typeof clientEvents)[E]>,
  socket: Socket,
) => Promise<ClientAckData[E]>;

/** Watches every handled event of one Socket.IO server (metrics, graceful shutdown). */
export interface HandlerObserver {
  /**
   * An event arrived; the function returned is called once its ack went out, `seconds` after
   * the arrival, with the catalogue code of a refusal as `error`.
   */
  received(event: string): (seconds: number, error?: string) => void;
}

// Keyed by server so that several in-process nodes (tests) keep apart.
const observers = new WeakMap<object, HandlerObserver[]>();

export function observeHandlers(io: object, observer: HandlerObserver): void {
  observers.set(io, [...(observers.get(io) ?? []), observer]);
}

export function on<E extends ClientEventName>(
  socket: Socket,
  event: E,
  log: Logger,
  handler: EventHandler<E>,
) {
  socket.on(event as string, async (...args: unknown[]) => {
    const ack = args.at(-1);
    if (typeof ack !== "function") return;
    const started = performance.now();
    const answered = (observers.get(socket.nsp.server) ?? []).map((o) => o.received(event));
    const answer = ack as (res: { ok: boolean; data?: unknown; error?: { code: string } }) => void;
    const reply = (res: { ok: boolean; data?: unknown; error?: { code: string } }) => {
      answer(res);
      const seconds = (performance.now() - started) / 1000;
      for (const done of answered) done(seconds, res.error?.code);
    };
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
