import { ShortLivedCache } from './short-lived-cache';

/** A load the test resolves or rejects by hand, counting how often it was asked. */
function loads<V>() {
  const pending: { resolve: (v: V) => void; reject: (e: Error) => void }[] = [];
  const load = jest.fn(
    () =>
      new Promise<V>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  );
  return { load, pending };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ShortLivedCache', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000;
  });

  /** A cache (1 s entries) holding `first` for key k, 600 ms old, with its background refresh started and pending. */
  async function refreshing(first: string) {
    const cache = new ShortLivedCache<string>(1_000, { now });
    const { load, pending } = loads<string>();
    const loaded = cache.get('k', load);
    pending[0].resolve(first);
    await loaded;
    clock += 600;
    await expect(cache.get('k', load)).resolves.toBe(first);
    expect(load).toHaveBeenCalledTimes(2);
    return { cache, load, pending };
  }

  it('when many callers miss one key at once, then one load serves them all', async () => {
    const cache = new ShortLivedCache<string>(1_000, { now });
    const { load, pending } = loads<string>();
    const answers = Promise.all(Array.from({ length: 50 }, () => cache.get('k', load)));
    expect(load).toHaveBeenCalledTimes(1);
    pending[0].resolve('v1');
    expect(await answers).toEqual(Array(50).fill('v1'));
  });

  it('when a key is used past half its age, then callers get the held value at once and one background load replaces it', async () => {
    const cache = new ShortLivedCache<string>(1_000, { now });
    const { load, pending } = loads<string>();
    const first = cache.get('k', load);
    pending[0].resolve('v1');
    await first;
    clock += 400;
    await expect(cache.get('k', load)).resolves.toBe('v1');
    expect(load).toHaveBeenCalledTimes(1);

    clock += 200; // 600 ms old: past half its age
    await expect(cache.get('k', load)).resolves.toBe('v1');
    await expect(cache.get('k', load)).resolves.toBe('v1');
    expect(load).toHaveBeenCalledTimes(2); // one refresh in flight, not one per caller
    pending[1].resolve('v2');
    await settle();
    await expect(cache.get('k', load)).resolves.toBe('v2');

    // The refreshed entry dates from when its load began: it lives a full age from there.
    clock += 999;
    await expect(cache.get('k', load)).resolves.toBe('v2');
  });

  it('when the background load has not finished by the end of the age, then no older value is served and callers wait for it', async () => {
    const { cache, load, pending } = await refreshing('v1');
    clock += 500; // 1,100 ms old, the refresh still pending
    let answered: string | undefined;
    const waiting = cache.get('k', load).then((v) => (answered = v));
    expect(load).toHaveBeenCalledTimes(3);
    await settle();
    expect(answered).toBeUndefined();
    pending[2].resolve('v3');
    await waiting;
    expect(answered).toBe('v3');
    // The late refresh does not put its value over the newer one.
    pending[1].resolve('v2');
    await settle();
    await expect(cache.get('k', load)).resolves.toBe('v3');
  });

  it('when the key is invalidated during a background load, then that load does not come back as the value', async () => {
    const { cache, load, pending } = await refreshing('old');
    cache.invalidate('k');
    pending[1].resolve('read before the change');
    await settle();
    const next = cache.get('k', load);
    expect(load).toHaveBeenCalledTimes(3);
    pending[2].resolve('new');
    await expect(next).resolves.toBe('new');
  });

  it('when a background load fails, then the held value serves until its age runs out and the next caller tries again', async () => {
    const { cache, load, pending } = await refreshing('v1');
    pending[1].reject(new Error('database down'));
    await settle();
    await expect(cache.get('k', load)).resolves.toBe('v1');
    expect(load).toHaveBeenCalledTimes(3);
    pending[2].resolve('v2');
    await settle();
    await expect(cache.get('k', load)).resolves.toBe('v2');
  });

  it('when a first load fails, then it is not kept and the next caller loads again', async () => {
    const cache = new ShortLivedCache<string>(1_000, { now });
    const { load, pending } = loads<string>();
    const failed = cache.get('k', load);
    pending[0].reject(new Error('database down'));
    await expect(failed).rejects.toThrow('database down');
    const next = cache.get('k', load);
    pending[1].resolve('v1');
    await expect(next).resolves.toBe('v1');
  });

  it('when a value has an age of its own, then it is held for that age and refreshed past half of it', async () => {
    const cache = new ShortLivedCache<string | undefined>(1_000, {
      now,
      ageOf: (v) => (v === undefined ? 200 : 1_000),
    });
    const { load, pending } = loads<string | undefined>();
    const miss = cache.get('k', load);
    pending[0].resolve(undefined);
    await expect(miss).resolves.toBeUndefined();
    clock += 150; // past half of 200 ms
    await expect(cache.get('k', load)).resolves.toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
    pending[1].resolve('found');
    await settle();
    await expect(cache.get('k', load)).resolves.toBe('found');
    clock += 900; // 900 ms after the refresh began: a found value lives 1,000 ms
    await expect(cache.get('k', load)).resolves.toBe('found');
  });

  it('when entries are invalidated by value, then the matching ones and the loads in flight are dropped and the others stay', async () => {
    const cache = new ShortLivedCache<string>(1_000, { now });
    const { load, pending } = loads<string>();
    const a = cache.get('a', load);
    const b = cache.get('b', load);
    pending[0].resolve('revoked');
    pending[1].resolve('kept');
    await Promise.all([a, b]);
    const inFlight = cache.get('c', load);
    cache.invalidateWhere((v) => v === 'revoked');
    pending[2].resolve('read before the change');
    // A caller already waiting still gets its value.
    await expect(inFlight).resolves.toBe('read before the change');
    await expect(cache.get('b', load)).resolves.toBe('kept');
    const again = [cache.get('a', load), cache.get('c', load)];
    expect(load).toHaveBeenCalledTimes(5);
    pending[3].resolve('a2');
    pending[4].resolve('c2');
    await expect(Promise.all(again)).resolves.toEqual(['a2', 'c2']);
  });
});
