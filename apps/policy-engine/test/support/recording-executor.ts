// An executor that runs nothing and records what it was asked, for tests about decisions and statuses rather than
// engines; it stands at the machine's edge, where the real executors talk to Docker or Kubernetes.
import { PassThrough, type Readable } from 'node:stream';
import type { RuntimeExecutor } from '../../src/runtime/runtime-executor';

export class RecordingExecutor implements RuntimeExecutor {
  readonly launched: { serverId: string; decisionId: string; image: string }[] = [];
  readonly stopped: string[] = [];
  private readonly running = new Set<string>();
  private seq = 0;

  constructor(
    readonly descriptor = {
      name: 'docker-test',
      kind: 'docker',
      capabilities: ['container'] as readonly string[],
    },
  ) {}

  launch(spec: { serverId: string; decisionId: string; image: string }) {
    this.launched.push({ serverId: spec.serverId, decisionId: spec.decisionId, image: spec.image });
    const ref = `rec-${++this.seq}`;
    this.running.add(ref);
    return Promise.resolve({ instanceRef: ref, endpoint: null });
  }

  stop(ref: string) {
    this.stopped.push(ref);
    this.running.delete(ref);
    return Promise.resolve();
  }

  isRunning(ref: string) {
    return Promise.resolve(this.running.has(ref));
  }

  restart(ref: string) {
    this.running.add(ref);
    return Promise.resolve({ instanceRef: ref, endpoint: null });
  }

  list() {
    return Promise.resolve([]);
  }

  logs(): Promise<Readable> {
    const out = new PassThrough();
    out.end('line one\nline two\n');
    return Promise.resolve(out);
  }
}
