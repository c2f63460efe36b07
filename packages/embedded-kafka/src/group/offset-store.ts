// Committed consumer-group offsets; on disk an append-only journal replayed and compacted at startup.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedOptions } from '../broker/broker-options';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
}

type JournalLine =
  { g: string; t: string; p: number; o: number; e: number; m: string | null } | { g: string; deleted: true };

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private fd: number | undefined;
  private dirty = false;

  constructor(private readonly opts: ResolvedOptions) {
    if (opts.dataDir) this.load(path.join(opts.dataDir, 'groups'));
  }

  private load(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'offsets.log');
    if (fs.existsSync(file)) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          this.apply(JSON.parse(line) as JournalLine);
        } catch {
          // A torn last line after a crash is expected; everything before it is intact.
        }
      }
    }
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, this.snapshotLines());
    fs.renameSync(tmp, file);
    this.fd = fs.openSync(file, 'a');
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
    for (const topics of this.groups.values()) topics.delete(topic);
  }

  private journal(lines: string[]): void {
    if (this.fd === undefined || lines.length === 0) return;
    fs.writeSync(this.fd, lines.join('\n') + '\n');
    if (this.opts.fsync === 'always') fs.fdatasyncSync(this.fd);
    else this.dirty = true;
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
