import { isTraceparent, newTraceparent } from './trace-context';

describe('newTraceparent', () => {
  it('gives valid, distinct W3C traceparents across several refills of its random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const tp = newTraceparent();
      expect(isTraceparent(tp)).toBe(true);
      seen.add(tp.split('-')[1]);
    }
    expect(seen.size).toBe(1000);
  });
});
