/**
 * Loss accounting: every send, every ack and every delivery, so that the end of a run can say
 * whether each acked message reached every other device of its chat exactly once (and the
 * database). Per device, the seqs seen in its chat are a byte map: a repeat is "doubled", a seq
 * below the highest seen is "out of order" (clients reorder by seq; the server should not need them to).
 */
export interface SentRecord {
  clientId: string;
  chatId: number;
  /** Index of the sending device (its own copy of the broadcast is not a delivery). */
  device: number;
  /** performance.now() at emit. */
  sentAt: number;
  /** Inside the measured window: its latencies go into the histograms. */
  measured: boolean;
  /** Open-loop step it belongs to. */
  step: number;
  ackedAt: number;
  ok: boolean;
  error?: string;
  id: number;
  seq: number;
  /** Distinct deliveries to other devices. */
  received: number;
  /** receipt:fully_read notices naming it (one per device of the sender is expected). */
  fullyRead: number;
}

export interface DeviceState {
  index: number;
  user: number;
  chatId: number;
  seen: Uint8Array;
  lastSeq: number;
  // read scenario
  readWanted: number;
  readInFlight: boolean;
}

export interface LossReport {
  /** Acked messages × devices that should have got them, minus what arrived. */
  lost: number;
  /** Acked messages that at least one device never got. */
  lostMessages: number;
  doubled: number;
  outOfOrder: number;
  /** Delivered to others but never acked to the sender (not a loss of an acked message; counted apart). */
  deliveredButUnacked: number;
  /** Deliveries of messages this run never sent. */
  unexpected: number;
  /** From the database (null without one): rows of our chats whose send was not acked OK. */
  storedButUnacked: number | null;
  /** Acked OK but no row in the database. */
  ackedNotStored: number | null;
  /** Chats whose seqs have a gap in the database. */
  seqGaps: number | null;
  /** Sends with no ack at all by the end of the drain. */
  unanswered: number;
  /** Sockets that dropped during the run. */
  disconnects: number;
  /** Read scenario: fully-read notices missing / beyond one per device of the sender. */
  fullyReadMissing: number | null;
  fullyReadDoubled: number | null;
  /** Zero loss: nothing lost, doubled, unacked-but-stored, unanswered or dropped. */
  ok: boolean;
}

export class Ledger {
  readonly sent = new Map<string, SentRecord>();
  readonly byId = new Map<number, SentRecord>();
  doubled = 0;
  outOfOrder = 0;
  unexpected = 0;
  disconnects = 0;
  delivered = 0;
  fullyReadNotices = 0;

  constructor(
    readonly devices: DeviceState[],
    /** Devices per chat minus the sender's connection. */
    readonly expectedPerMessage: number,
    readonly devicesPerUser: number,
  ) {}

  /** A delivery of message:new to `device`; answers the send record when it counts. */
  deliver(device: DeviceState, m: { id: number; seq: number; client_id: string }): SentRecord | undefined {
    const rec = this.sent.get(m.client_id);
    if (!rec) {
      this.unexpected++;
      return undefined;
    }
    if (rec.device === device.index) return undefined; // the sender's own connection
    if (device.seen.length <= m.seq) {
      const grown = new Uint8Array(Math.max(m.seq + 1, device.seen.length * 2));
      grown.set(device.seen);
      device.seen = grown;
    }
    if (device.seen[m.seq]) {
      this.doubled++;
      return undefined;
    }
    device.seen[m.seq] = 1;
    if (m.seq < device.lastSeq) this.outOfOrder++;
    else device.lastSeq = m.seq;
    if (!rec.id) {
      rec.id = m.id;
      rec.seq = m.seq;
      this.byId.set(m.id, rec);
    }
    rec.received++;
    this.delivered++;
    return rec;
  }

  ack(
    rec: SentRecord,
    res: { ok: boolean; data?: { message: { id: number; seq: number } }; error?: { code: string } },
  ) {
    rec.ackedAt = performance.now();
    rec.ok = res.ok;
    if (res.ok && res.data) {
      rec.id = res.data.message.id;
      rec.seq = res.data.message.seq;
      this.byId.set(rec.id, rec);
    } else {
      rec.error = res.error?.code ?? "unknown";
    }
  }

  fullyRead(ids: number[]) {
    for (const id of ids) {
      const rec = this.byId.get(id);
      if (rec) rec.fullyRead++;
      this.fullyReadNotices++;
    }
  }

  /** Expected deliveries of the acked messages still missing (for the drain's wait). */
  missing(): number {
    let n = 0;
    for (const r of this.sent.values()) if (r.ok) n += Math.max(0, this.expectedPerMessage - r.received);
    return n;
  }

  unanswered(): number {
    let n = 0;
    for (const r of this.sent.values()) if (!r.ackedAt) n++;
    return n;
  }

  report(db: { clientIds: Set<string>; seqGaps: number } | null, readScenario: boolean): LossReport {
    let lost = 0;
    let lostMessages = 0;
    let deliveredButUnacked = 0;
    let ackedNotStored = 0;
    let fullyReadMissing = 0;
    let fullyReadDoubled = 0;
    for (const r of this.sent.values()) {
      if (r.ok) {
        const miss = Math.max(0, this.expectedPerMessage - r.received);
        lost += miss;
        if (miss > 0) lostMessages++;
        if (db && !db.clientIds.has(r.clientId)) ackedNotStored++;
        fullyReadMissing += Math.max(0, this.devicesPerUser - r.fullyRead);
        fullyReadDoubled += Math.max(0, r.fullyRead - this.devicesPerUser);
      } else if (r.received > 0) {
        deliveredButUnacked++;
      }
    }
    let storedButUnacked: number | null = null;
    if (db) {
      storedButUnacked = 0;
      for (const id of db.clientIds) {
        const r = this.sent.get(id);
        if (!r || !r.ok) storedButUnacked++;
      }
    }
    const unanswered = this.unanswered();
    const report: LossReport = {
      lost,
      lostMessages,
      doubled: this.doubled,
      outOfOrder: this.outOfOrder,
      deliveredButUnacked,
      unexpected: this.unexpected,
      storedButUnacked,
      ackedNotStored: db ? ackedNotStored : null,
      seqGaps: db ? db.seqGaps : null,
      unanswered,
      disconnects: this.disconnects,
      fullyReadMissing: readScenario ? fullyReadMissing : null,
      fullyReadDoubled: readScenario ? fullyReadDoubled : null,
      ok: false,
    };
    report.ok =
      lost === 0 &&
      this.doubled === 0 &&
      deliveredButUnacked === 0 &&
      this.unexpected === 0 &&
      (storedButUnacked ?? 0) === 0 &&
      (report.ackedNotStored ?? 0) === 0 &&
      (report.seqGaps ?? 0) === 0 &&
      unanswered === 0 &&
      this.disconnects === 0 &&
      (report.fullyReadMissing ?? 0) === 0 &&
      (report.fullyReadDoubled ?? 0) === 0;
    return report;
  }
}
