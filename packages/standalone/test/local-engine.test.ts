// The engine's run root: Podman refuses one longer than 50 characters, so a long data dir gets a short one.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { podmanRunRoot } from '../src/local-engine';

describe('podmanRunRoot', () => {
  it('when the data dir is short, then the run root is inside it', () => {
    expect(podmanRunRoot('/tmp/d/engine')).toBe('/tmp/d/engine/run');
  });

  it('when the data dir is long, then the run root is a short, stable, private directory under /tmp', () => {
    const root = join('/tmp', 'a-data-dir-with-a-long-name-that-podman-would-refuse', 'engine');
    const run = podmanRunRoot(root);
    expect(join(root, 'run').length).toBeGreaterThan(50);
    expect(run.length).toBeLessThanOrEqual(50);
    expect(run).toMatch(/^\/tmp\/mcph-[0-9a-f]{16}$/);
    expect(podmanRunRoot(root)).toBe(run);
    expect(podmanRunRoot(`${root}-other`)).not.toBe(run);
    expect(statSync(run).mode & 0o777).toBe(0o700);
  });
});
