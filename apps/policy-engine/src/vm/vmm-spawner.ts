// Starts one VM manager process per instance with its API socket, as a real host runs Firecracker.
import { spawn, type ChildProcess } from 'node:child_process';
import { access } from 'node:fs/promises';

export interface VmmHandle {
  /** Stops the VM manager (and with it the guest); resolves once it is gone. */
  kill(): Promise<void>;
}

export interface VmmSpawner {
  spawn(instanceId: string, apiSocket: string): Promise<VmmHandle>;
}

export const VMM_SPAWNER = Symbol('VMM_SPAWNER');

/** Runs `<bin> [args…] --api-sock <socket> --id <instance>` and waits until the API socket exists. */
export class ProcessVmmSpawner implements VmmSpawner {
  constructor(
    private readonly bin: string,
    private readonly args: readonly string[] = [],
    private readonly startTimeoutMs = 5000,
  ) {}

  async spawn(instanceId: string, apiSocket: string): Promise<VmmHandle> {
    const child = spawn(this.bin, [...this.args, '--api-sock', apiSocket, '--id', instanceId], {
      stdio: 'ignore',
    });
    let exited = false;
    const gone = new Promise<void>((resolve) =>
      child.once('exit', () => {
        exited = true;
        resolve();
      }),
    );
    const failed = new Promise<never>((_, reject) => child.once('error', reject));
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      const ready = await Promise.race([
        access(apiSocket).then(
          () => true,
          () => false,
        ),
        failed,
      ]);
      if (ready) break;
      if (exited || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${this.bin} did not open ${apiSocket} within ${this.startTimeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { kill: () => stop(child, gone, () => exited) };
  }
}

async function stop(child: ChildProcess, gone: Promise<void>, exited: () => boolean): Promise<void> {
  if (exited()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}
