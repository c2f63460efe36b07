// Committed consumer-group offsets; on disk an append-only journal, compacted at startup and whenever it grows
// past a size: the latest offset of every group, topic and partition is written to a new file, synced and
// renamed over the journal, so a crash at any point leaves either the old journal or the new one, whole.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedOptions } from '../broker/broker-options';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

type JournalLine =
  | { g: string; t: string; p: number; o: number; e: number; m: string | null }
  | { g: string; deleted: true }
  | { dt: string };

const READ_CHUNK = 1024 * 1024;

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private fd: number | undefined;
  private dirty = false;
  private file: string | undefined;
  /** Bytes in the journal now, and right after the last compaction (the live set, roughly). */
  private journalBytes = 0;
  private compactedBytes = 0;
  /** How many times the journal was compacted while running (startup excluded). */
  compactions = 0;

  constructor(private readonly opts: ResolvedOptions) {
    if (opts.dataDir) this.load(path.join(opts.dataDir, 'groups'));
  }

  private load(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'offsets.log');
    this.file = file;
    if (fs.existsSync(file)) this.replay(file);
    this.compact();
  }

  /** Reads the journal a chunk at a time, so its size is not bounded by the largest string Node can hold. */
  private replay(file: string): void {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      let carry = '';
      for (;;) {
        const n = fs.readSync(fd, buf, 0, READ_CHUNK, null);
        if (n === 0) break;
        const text = carry + buf.toString('utf8', 0, n);
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) this.applyText(line);
        // A line longer than a chunk many times over is not one this broker wrote; drop it, keep going.
        if (carry.length > 64 * READ_CHUNK) carry = '';
      }
      this.applyText(carry);
    } finally {
      fs.closeSync(fd);
    }
  }

  private applyText(line: string): void {
    if (!line) return;
    try {
      this.apply(JSON.parse(line) as JournalLine);
    } catch {
      // A torn last line after a crash is expected; everything before it is intact.
    }
  }

  /**
   * Rewrites the journal as the current state: new file, fsync, rename over the old one, fsync the directory.
   * Before the rename the old journal is untouched; after it the new one is complete.
   */
  private compact(): void {
    const file = this.file;
    if (!file) return;
    const tmp = `${file}.tmp`;
    const data = Buffer.from(this.snapshotLines(), 'utf8');
    const tmpFd = fs.openSync(tmp, 'w');
    try {
      if (data.length > 0) fs.writeSync(tmpFd, data, 0, data.length, 0);
      fs.fsyncSync(tmpFd);
    } finally {
      fs.closeSync(tmpFd);
    }
    fs.renameSync(tmp, file);
    syncDir(path.dirname(file));
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = fs.openSync(file, 'a');
    this.dirty = false;
    this.journalBytes = data.length;
    this.compactedBytes = data.length;
  }

  /** Compacts when the journal has grown past the configured size and to more than twice its live set. */
  private compactIfLarge(): void {
    if (this.journalBytes <= Math.max(this.opts.offsetsJournalCompactBytes, 2 * this.compactedBytes)) return;
    const before = this.journalBytes;
    this.compact();
    this.compactions++;
    this.opts.logger.debug(`offsets journal compacted from ${before} to ${this.journalBytes} bytes`);
  }

  /** Size of the journal file as written so far (for tests and monitoring). */
  get journalSize(): number {
    return this.journalBytes;
  }

  private snapshotLines(): string {
    const lines: string[] = [];
    for (const [g, topics] of this.groups) {
      for (const [t, parts] of topics) {
        for (const [p, c] of parts)
          lines.push(JSON.stringify({ g, t, p, o: c.offset, e: c.leaderEpoch, m: c.metadata }));
      }
    }
    return lines.length ? lines.join('\n') + '\n' : '';
  }

  private apply(line: JournalLine): void {
    if ('dt' in line) {
      this.forgetTopic(line.dt);
      return;
    }
    if ('deleted' in line) {
      this.groups.delete(line.g);
      return;
    }
    this.set(line.g, line.t, line.p, { offset: line.o, leaderEpoch: line.e, metadata: line.m });
  }

  private set(group: string, topic: string, partition: number, c: CommittedOffset): void {
    let topics = this.groups.get(group);
    if (!topics) this.groups.set(group, (topics = new Map<string, Map<number, CommittedOffset>>()));
    let parts = topics.get(topic);
    if (!parts) topics.set(topic, (parts = new Map<number, CommittedOffset>()));
    parts.set(partition, c);
  }

  commit(group: string, entries: { topic: string; partition: number; committed: CommittedOffset }[]): void {
    const lines: string[] = [];
    for (const e of entries) {
      this.set(group, e.topic, e.partition, e.committed);
      const c = e.committed;
      lines.push(
        JSON.stringify({
          g: group,
          t: e.topic,
          p: e.partition,
          o: c.offset,
          e: c.leaderEpoch,
          m: c.metadata,
        }),
      );
    }
    this.journal(lines);
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(topic)?.get(partition);
  }

  topicsOf(group: string): Map<string, Map<number, CommittedOffset>> {
    return this.groups.get(group) ?? new Map<string, Map<number, CommittedOffset>>();
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  deleteGroup(group: string): void {
    this.groups.delete(group);
    this.journal([JSON.stringify({ g: group, deleted: true })]);
  }

  deleteTopic(topic: string): void {
    this.forgetTopic(topic);
    this.journal([JSON.stringify({ dt: topic })]);
  }

  private forgetTopic(topic: string): void {
    for (const topics of this.groups.values()) topics.delete(topic);
  }

  private journal(lines: string[]): void {
    if (this.fd === undefined || lines.length === 0) return;
    const data = Buffer.from(lines.join('\n') + '\n', 'utf8');
    fs.writeSync(this.fd, data);
    this.journalBytes += data.length;
    if (this.opts.fsync === 'always') fs.fdatasyncSync(this.fd);
    else this.dirty = true;
    this.compactIfLarge();
  }

  flush(): void {
    if (this.fd !== undefined && this.dirty) {
      fs.fdatasyncSync(this.fd);
      this.dirty = false;
    }
  }

  flushAsync(): void {
    if (this.fd === undefined || !this.dirty) return;
    this.dirty = false;
    fs.fdatasync(this.fd, (err) => {
      if (err) this.opts.logger.error(`offsets fsync failed: ${err.message}`);
    });
  }

  close(): void {
    if (this.fd === undefined) return;
    if (this.opts.fsync !== 'never') this.flush();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
