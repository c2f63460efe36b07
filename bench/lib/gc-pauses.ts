// Garbage-collection pauses of this process, for lining a benchmark's slow answers up with them: every pause of at
// least `minMs`, with its start as epoch milliseconds (comparable across processes) and its kind.
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

export interface GcPause {
  atEpochMs: number;
  ms: number;
  kind: 'minor' | 'major' | 'incremental' | 'weak' | 'other';
}

const KINDS: Record<number, GcPause['kind']> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
};

/** Starts recording; the returned function gives the pauses so far. */
export function recordGcPauses(minMs = 2): () => GcPause[] {
  const pauses: GcPause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration < minMs) continue;
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      pauses.push({
        atEpochMs: performance.timeOrigin + e.startTime,
        ms: e.duration,
        kind: (kind !== undefined && KINDS[kind]) || 'other',
      });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => pauses.slice();
}

/** The pauses that began inside [fromEpochMs, toEpochMs], as "at s kind ms" from `fromEpochMs`. */
export function describePauses(pauses: GcPause[], fromEpochMs: number, toEpochMs: number): string {
  const inside = pauses.filter((p) => p.atEpochMs >= fromEpochMs && p.atEpochMs <= toEpochMs);
  return (
    inside
      .map((p) => `${((p.atEpochMs - fromEpochMs) / 1000).toFixed(2)}s ${p.kind} ${p.ms.toFixed(1)}ms`)
      .join(', ') || 'none'
  );
}
