// What the /mcp door reads from its own projections, held per replica for a short while: a call then costs no
// database round trip. A projection applied on this replica drops the entry at once; one applied on another replica
// shows within the entry's age. Concurrent misses for one key share one load, and a failed load is not kept.

const MAX_ENTRIES = 10_000;

export class ShortLivedCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(private readonly maxAgeMs: number) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.maxAgeMs) return hit.value;
    const entry = { at: now, value: load() };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    if (this.entries.size > MAX_ENTRIES) this.prune(now);
    return entry.value;
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
