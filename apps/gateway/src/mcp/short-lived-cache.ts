// What the /mcp door reads from its own projections, held per replica for a short while: a call then costs no
// database round trip. A projection applied on this replica drops the entry at once; one applied on another replica
// shows within the entry's age. Concurrent misses for one key share one load, and a failed load is not kept.
// Past half its age an entry used by a call is loaded again in the background and replaced when that load is done,
// so a key in steady use never expires under its callers: before, every caller arriving during the reload (a server's
// 1,000 grants read and compiled once a second) waited for it. No value older than the maximum age is ever served.

const MAX_ENTRIES = 10_000;

interface Entry<V> {
  /** When the load behind `value` began. */
  at: number;
  value: Promise<V>;
  /** A background load of this key is in flight. */
  refreshing: boolean;
}

export class ShortLivedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.maxAgeMs) {
      if (!hit.refreshing && now - hit.at >= this.maxAgeMs / 2) this.refresh(key, hit, load);
      return hit.value;
    }
    const entry: Entry<V> = { at: now, value: load(), refreshing: false };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    if (this.entries.size > MAX_ENTRIES) this.prune(now);
    return entry.value;
  }

  /** Loads `key` again; the new value replaces `hit` unless the entry was dropped or replaced meanwhile. */
  private refresh(key: string, hit: Entry<V>, load: () => Promise<V>): void {
    hit.refreshing = true;
    const at = this.now();
    const value = load();
    value.then(
      () => {
        if (this.entries.get(key) === hit) this.entries.set(key, { at, value, refreshing: false });
      },
      // The current value serves until its age runs out; the next call past half its age tries again.
      () => {
        hit.refreshing = false;
      },
    );
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.at >= this.maxAgeMs) this.entries.delete(key);
    // Every entry fresh and still too many: start over rather than grow without end.
    if (this.entries.size > MAX_ENTRIES) this.entries.clear();
  }
}
