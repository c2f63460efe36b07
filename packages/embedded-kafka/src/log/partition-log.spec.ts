import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildBatch } from '../../test/support/batch-builder';
import { resolveOptions } from '../broker/broker-options';
import { ErrorCode } from '../protocol/error-codes';
import { readInt64 } from '../protocol/record-batch';
import { PartitionLog } from './partition-log';

function batchOf(n: number, prefix = 'v', timestamp = Date.now()): Buffer {
  return buildBatch({
    values: Array.from({ length: n }, (_, i) => `${prefix}${i}`),
    timestamps: Array(n).fill(timestamp),
  });
}

function offsetsIn(records: Buffer | null): number[] {
  const out: number[] = [];
  for (let at = 0; records && at < records.length; at += records.readInt32BE(at + 8) + 12)
    out.push(readInt64(records, at));
  return out;
}

describe('PartitionLog', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'partition-log-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('when batches are appended, then offsets are assigned consecutively and reads return whole batches', () => {
    const log = new PartitionLog('t', 0, undefined, resolveOptions({}));

    const first = log.append(batchOf(3));
    const second = log.append(batchOf(2));

    expect([first.baseOffset, second.baseOffset, log.nextOffset]).toEqual([0, 3, 5]);
    expect(offsetsIn(log.read(0, 1_000_000).records)).toEqual([0, 3]);
    expect(offsetsIn(log.read(4, 1_000_000).records)).toEqual([3]);
    expect(log.read(6, 100).error).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('when a batch has a wrong CRC, then it is refused as CORRUPT_MESSAGE and nothing is written', () => {
    const log = new PartitionLog('t', 0, undefined, resolveOptions({}));
    const batch = batchOf(2);
    batch[batch.length - 1] ^= 0xff;

    expect(log.append(batch).error).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(log.nextOffset).toBe(0);
  });

  it('when the size limit is exceeded, then segments roll and the oldest are deleted', () => {
    const opts = resolveOptions({ dataDir: dir, segmentBytes: 1000, retentionBytes: 2500 });
    const log = new PartitionLog('t', 0, dir, opts);
    for (let i = 0; i < 20; i++) log.append(batchOf(5, 'x'.repeat(20)));

    log.applyRetention(Date.now(), opts.retentionMs, opts.retentionBytes);

    expect(log.sizeBytes()).toBeLessThan(2500 + 1000);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(1);
    expect(log.read(0, 1000).error).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(offsetsIn(log.read(log.logStartOffset, 100_000).records)[0]).toBe(log.logStartOffset);
  });

  it('when segments are older than the retention time, then they are deleted down to the active one', () => {
    const opts = resolveOptions({ segmentBytes: 500 });
    const log = new PartitionLog('t', 0, undefined, opts);
    const old = Date.now() - 10 * 60_000;
    for (let i = 0; i < 10; i++) log.append(batchOf(5, 'old', old));
    log.append(batchOf(1, 'new'));

    log.applyRetention(Date.now(), 60_000, -1);

    // Only closed segments go; the active one still holds the newest record (and whatever old ones share it).
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeLessThanOrEqual(50);
    expect(log.read(log.logStartOffset - 1, 100).error).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect(log.nextOffset).toBe(51);
  });

  it('when reopened after a torn write, then the log is truncated to the last complete batch', () => {
    const opts = resolveOptions({ dataDir: dir });
    const log = new PartitionLog('t', 0, dir, opts);
    log.append(batchOf(3));
    log.append(batchOf(4));
    log.close();
    const segment = path.join(dir, '00000000000000000000.log');
    const intact = statSync(segment).size;
    appendFileSync(segment, batchOf(5).subarray(0, 40));

    const reopened = new PartitionLog('t', 0, dir, opts);

    expect(statSync(segment).size).toBe(intact);
    expect(reopened.nextOffset).toBe(7);
    expect(reopened.append(batchOf(1)).baseOffset).toBe(7);
  });

  it('when a closed segment lost its index, then the index is rebuilt from the log', () => {
    const opts = resolveOptions({ dataDir: dir, segmentBytes: 300 });
    const log = new PartitionLog('t', 0, dir, opts);
    for (let i = 0; i < 6; i++) log.append(batchOf(3, 'y'.repeat(30)));
    log.close();
    unlinkSync(path.join(dir, '00000000000000000000.index'));

    const reopened = new PartitionLog('t', 0, dir, opts);

    expect(reopened.nextOffset).toBe(18);
    expect(offsetsIn(reopened.read(0, 100).records)).toEqual([0]);
  });

  it('when a later batch is corrupt in the active segment, then recovery keeps everything before it', () => {
    const opts = resolveOptions({ dataDir: dir });
    const log = new PartitionLog('t', 0, dir, opts);
    log.append(batchOf(2));
    log.close();
    const segment = path.join(dir, '00000000000000000000.log');
    const bad = batchOf(2);
    bad[bad.length - 1] ^= 0xff;
    appendFileSync(segment, bad);

    const reopened = new PartitionLog('t', 0, dir, opts);

    expect(reopened.nextOffset).toBe(2);
  });
});
