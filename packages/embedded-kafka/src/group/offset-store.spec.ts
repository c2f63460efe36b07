import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveOptions } from '../broker/broker-options';
import { OffsetStore } from './offset-store';

const committed = (offset: number) => ({ offset, leaderEpoch: -1, metadata: null });

describe('OffsetStore journal', () => {
  let dataDir: string;
  const journal = () => path.join(dataDir, 'groups', 'offsets.log');

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'offset-store-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when a crash left a torn last line and a half-written compaction file, then the journal replays to the last whole commit', () => {
    mkdirSync(path.join(dataDir, 'groups'), { recursive: true });
    const line = (o: number) => JSON.stringify({ g: 'g', t: 't', p: 0, o, e: -1, m: null });
    writeFileSync(journal(), `${line(1)}\n${line(2)}\n${line(3).slice(0, 20)}`);
    writeFileSync(`${journal()}.tmp`, line(999).slice(0, 30));

    const store = new OffsetStore(resolveOptions({ dataDir }));
    const offset = store.get('g', 't', 0)?.offset;
    store.close();

    expect(offset).toBe(2);
    expect(existsSync(`${journal()}.tmp`)).toBe(false);
    expect(readFileSync(journal(), 'utf8')).toBe(`${line(2)}\n`);
  });

  it('when commits pass the compaction size, then the journal is rewritten to the live offsets and keeps deletions', () => {
    const store = new OffsetStore(resolveOptions({ dataDir, offsetsJournalCompactBytes: 1024 }));

    for (let i = 0; i < 1000; i++) {
      store.commit(`g${i % 3}`, [{ topic: 't', partition: i % 4, committed: committed(i) }]);
    }
    store.deleteGroup('g2');
    store.commit('g1', [{ topic: 'gone', partition: 0, committed: committed(5) }]);
    store.deleteTopic('gone');
    const size = statSync(journal()).size;
    const compactions = store.compactions;
    store.close();
    const reopened = new OffsetStore(resolveOptions({ dataDir }));

    expect(compactions).toBeGreaterThan(10);
    expect(size).toBeLessThan(2048);
    expect(reopened.get('g0', 't', 0)?.offset).toBe(996);
    expect(reopened.get('g1', 't', 1)?.offset).toBe(997);
    expect(reopened.hasGroup('g2')).toBe(false);
    expect(reopened.get('g1', 'gone', 0)).toBeUndefined();
    reopened.close();
  });
});
