// Jest globalTeardown: stops what global-setup started (by the ids it recorded) and removes the run's temp dir.
import { rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export default async function globalTeardown(): Promise<void> {
  for (const child of (globalThis.__BUILD_TEST_CHILDREN__ ?? []).reverse()) await stop(child);
  globalThis.__BUILD_TEST_CHILDREN__ = [];
  const root = globalThis.__BUILD_TEST_ROOT__;
  if (root) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
}
