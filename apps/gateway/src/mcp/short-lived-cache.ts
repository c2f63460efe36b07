// What the /mcp door reads from its own projections, held per replica for a short while: a call then costs no
// database round trip. A projection applied on this replica drops the entry at once; one applied on another replica
// shows within the entry's age. Concurrent misses for one key share one load, and a failed load is not kept.
// Past half its age an entry used by a call is loaded again in the background and replaced when that load is done,
// so a key in steady use never expires under its callers: before, every caller arriving during the reload (a server's
// 1,000 grants read and compiled once a second) waited for it. No value older than the maximum age is ever served.
// The gateway's token cache is one too: a row for GATEWAY_TOKEN_CACHE_MS, an unknown token for its own age.

const MAX_ENTRIES = 10_000;

interface Entry<V> {
  /** When the load behind `value` began. */
  at: number;
  value: Promise<V>;
  /** The value, once the load has succeeded. */
  settled?: { value: V };
  /** A background load of this key is in flight. */
  refreshing: boolean;
}

export interface ShortLivedCacheOptions<V> {
  /** The age of a loaded value when it depends on the value; `maxAgeMs` otherwise, and for a load in flight. */
  ageOf?: (value: V) => number;
  now?: () => number;
}

export class ShortLivedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;

  constructor(
    private readonly maxAgeMs: number,
    private readonly options: ShortLivedCacheOptions<V> = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit) {
      const age = this.ageOf(hit);
      if (now - hit.at < age) {
        if (!hit.refreshing && now - hit.at >= age / 2) this.refresh(key, hit, load);
        return hit.value;
      }
    }
    const entry: Entry<V> = { at: now, value: load(), refreshing: false };
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        entry.settled = { value };
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size > MAX_ENTRIES) this.prune(now);
    return entry.value;
  }

  /** Loads `key` again; the new value replaces `hit` unless the entry was dropped or replaced meanwhile. */
  private refresh(key: string, hit: Entry<V>, load: () => Promise<V>): void {
    hit.refreshing = true;
    const at = this.now();
    const value = load();
    value.then(
      (v) => {
        if (this.entries.get(key) === hit) {
          this.entries.set(key, { at, value, settled: { value: v }, refreshing: false });
        }
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

  /**
   * Drops every entry whose value matches, and every load still in flight (its value may predate the change): callers
   * from now on load again. A caller already waiting on such a load still gets its value.
   */
  invalidateWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) {
      if (!entry.settled || matches(entry.settled.value)) this.entries.delete(key);
    }
  }

  private ageOf(entry: Entry<V>): number {
    return entry.settled && this.options.ageOf ? this.options.ageOf(entry.settled.value) : this.maxAgeMs;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries)
      if (now - entry.at >= this.ageOf(entry)) this.entries.delete(key);
    // Every entry fresh and still too many: start over rather than grow without end.
    if (this.entries.size > MAX_ENTRIES) this.entries.clear();
  }
}
