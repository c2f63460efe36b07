// Idempotent-producer bookkeeping per partition: the last sequences each producer wrote, to drop retries and refuse gaps.
import { ErrorCode } from '../protocol/error-codes';

const RECENT_BATCHES = 5;
const MAX_SEQ = 0x7fffffff;

interface WrittenBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  lastSeq: number;
  recent: WrittenBatch[];
}

export type SequenceCheck =
  { kind: 'append' } | { kind: 'duplicate'; baseOffset: number } | { kind: 'error'; code: number };

function lastSeqOf(baseSeq: number, lastOffsetDelta: number): number {
  return (baseSeq + lastOffsetDelta) % (MAX_SEQ + 1);
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  check(producerId: number, epoch: number, baseSeq: number, lastOffsetDelta: number): SequenceCheck {
    if (producerId < 0) return { kind: 'append' };
    const entry = this.producers.get(producerId);
    if (!entry) {
      return baseSeq === 0
        ? { kind: 'append' }
        : { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    }
    if (epoch < entry.epoch) return { kind: 'error', code: ErrorCode.INVALID_PRODUCER_EPOCH };
    if (epoch > entry.epoch) {
      return baseSeq === 0
        ? { kind: 'append' }
        : { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    }
    const lastSeq = lastSeqOf(baseSeq, lastOffsetDelta);
    const dup = entry.recent.find((b) => b.firstSeq === baseSeq && b.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', baseOffset: dup.baseOffset };
    const expected = entry.lastSeq === MAX_SEQ ? 0 : entry.lastSeq + 1;
    if (baseSeq !== expected) return { kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    return { kind: 'append' };
  }

  record(
    producerId: number,
    epoch: number,
    baseSeq: number,
    lastOffsetDelta: number,
    baseOffset: number,
  ): void {
    if (producerId < 0) return;
    let entry = this.producers.get(producerId);
    if (!entry || entry.epoch !== epoch) {
      entry = { epoch, lastSeq: -1, recent: [] };
      this.producers.set(producerId, entry);
    }
    const lastSeq = lastSeqOf(baseSeq, lastOffsetDelta);
    entry.lastSeq = lastSeq;
    entry.recent.push({ firstSeq: baseSeq, lastSeq, baseOffset });
    if (entry.recent.length > RECENT_BATCHES) entry.recent.shift();
  }
}
