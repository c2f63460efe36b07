// RuntimeOrchestrator: dispatches launches, stops and logs to the executor a decision chose, keeps each server's
// assignment in runtime_assignments, checks health over MCP, restarts crashed workloads with backoff, and reconciles
// what the engines run with what the assignments say (adopt, relaunch, remove) at start and on every sweep.
import type { Readable } from 'node:stream';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { RuntimeLogger as Logger } from './runtime-logger';
import { InjectLogger, OutboxService, Transactions } from '@mcp-host/platform';
import { ServerLaunchLock } from '../servers/server-launch.lock';
import { ServerRepository } from '../servers/server.repository';
import { DockerExecutor, dockerFromHost } from './docker.executor';
import { ExecutorRegistry } from './executor-registry';
import { KubernetesExecutor } from './kubernetes.executor';
import { McpHealthChecker } from './mcp-health.checker';
import type { LogOptions, ManagedInstance } from './runtime-executor';
import { RuntimeAssignmentRepository, type AssignmentRow } from './runtime-assignment.repository';
import { InjectRuntimeConfig, type RuntimeConfig } from './runtime.config';
import { ServerStatusWriter } from './server-status.writer';

/** Whether an engine's instance is the one the server's assignment wants running. */
function wanted(a: AssignmentRow | undefined, executorName: string, inst: ManagedInstance): boolean {
  return (
    a !== undefined &&
    a.desired_state === 'running' &&
    a.executor_name === executorName &&
    a.decision_id === inst.decisionId &&
    (a.instance_ref === null || a.instance_ref === inst.instanceRef)
  );
}

interface HealthState {
  backoffMs: number;
  failures: number;
  restarting: boolean;
}

@Injectable()
export class RuntimeOrchestrator implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly health = new Map<string, HealthState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Servers a stop is waiting for: a launch still polling for health gives up its lock at once. */
  private readonly cancelled = new Set<string>();
  private closing = false;
  private sweeping?: Promise<void>;
  private checking?: Promise<void>;
  private readonly logger: Logger;

  constructor(
    private readonly registry: ExecutorRegistry,
    private readonly assignments: RuntimeAssignmentRepository,
    private readonly servers: ServerRepository,
    private readonly status: ServerStatusWriter,
    private readonly outbox: OutboxService,
    private readonly tx: Transactions,
    private readonly checker: McpHealthChecker,
    private readonly launchLock: ServerLaunchLock,
    @InjectRuntimeConfig() private readonly config: RuntimeConfig,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'runtime-orchestrator' });
  }

  onModuleInit(): void {
    if (this.config.DOCKER_HOST) {
      this.registry.register(
        new DockerExecutor(dockerFromHost(this.config.DOCKER_HOST), this.config, this.logger),
      );
    }
    if (this.config.RUNTIME_K8S_ENABLED) {
      this.registry.register(KubernetesExecutor.fromConfig(this.config, this.logger));
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sweep().catch((err: unknown) =>
      this.logger.error({ err: String(err) }, 'reconciliation failed'),
    );
    // A process with no executor has nothing to sweep or check; the loops idle until one is registered.
    const whenExecutors = (fn: () => Promise<void>) => () =>
      this.registry.all().length === 0 ? Promise.resolve() : fn();
    this.every(
      this.config.RUNTIME_RECONCILE_INTERVAL_MS,
      whenExecutors(() => this.sweep()),
    );
    this.every(
      this.config.RUNTIME_HEALTH_INTERVAL_MS,
      whenExecutors(() => this.checkAll()),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([this.sweeping, this.checking, ...this.locks.values()]);
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const tick = () => {
      if (this.closing) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        fn()
          .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'runtime loop failed'))
          .finally(tick);
      }, ms);
      this.timers.add(t);
    };
    tick();
  }

  private later(ms: number, fn: () => Promise<void>): void {
    if (this.closing) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn().catch((err: unknown) => this.logger.warn({ err: String(err) }, 'runtime task failed'));
    }, ms);
    this.timers.add(t);
  }

  /** Runs `fn` after any other work on the same server, so one server never has two launches in flight. */
  private withLock<T>(serverId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(serverId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.locks.set(serverId, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.locks.get(serverId) === next) this.locks.delete(serverId);
      });
    return next;
  }

  /** Asks for a sweep soon: a launch committed by an event handler's transaction is picked up by it. */
  wake(): void {
    for (const ms of [50, 500]) this.later(ms, () => this.sweep());
  }

  // --- launch ------------------------------------------------------------------------------------------------------

  /** Launches the server's assignment if it should run and has no instance; then waits for MCP to answer. */
  /** Never rejects: a failure is logged and the next sweep tries again from the assignment. */
  launch(serverId: string): Promise<void> {
    return this.withLock(serverId, () => this.launchLocked(serverId)).catch((err: unknown) =>
      this.logger.error({ err: String(err), serverId }, 'launch failed; the next sweep retries'),
    );
  }

  private async launchLocked(serverId: string): Promise<void> {
    if (this.closing) return;
    // Across replicas on one database, the launch lock lets one place the instance; the others leave it to that one.
    const placed = await this.launchLock.tryWith(serverId, () => this.placeLocked(serverId));
    if (!placed.held) {
      this.logger.info({ serverId }, 'another replica holds the launch lock of this server');
      return;
    }
    const recorded = placed.value;
    if (!recorded) return;
    this.health.set(serverId, {
      backoffMs: this.config.RUNTIME_RESTART_BACKOFF_MS,
      failures: 0,
      restarting: false,
    });
    await this.waitHealthy(recorded);
  }

  /** Places the assignment's instance on its executor and records it; undefined when there was nothing to do. */
  private async placeLocked(serverId: string): Promise<AssignmentRow | undefined> {
    const a = await this.tx.read((m) => this.assignments.find(m, serverId));
    if (!a || a.desired_state !== 'running') return;
    const executor = this.registry.get(a.executor_name);
    if (!executor) {
      await this.fail(a, 'no_engine', `Executor ${a.executor_name} is not available in this process.`);
      return;
    }
    if (a.instance_ref && (await executor.isRunning(a.instance_ref))) return;
    const server = await this.tx.read((m) => this.servers.findById(m, serverId));
    if (!server) return;
    let instance;
    try {
      instance = await executor.launch({
        serverId,
        serverName: server.name.toLowerCase(),
        decisionId: a.decision_id,
        launchId: a.launch_id,
        image: a.image,
      });
    } catch (err) {
      await this.fail(a, 'executor_error', err instanceof Error ? err.message : String(err));
      return;
    }
    const recorded = await this.tx.run(async (m) => {
      const row = await this.assignments.recordInstance(
        m,
        serverId,
        a.version,
        instance.instanceRef,
        instance.endpoint,
      );
      if (!row) return undefined;
      await this.outbox.publish(m, 'runtime.launch.started', {
        launch_id: a.launch_id,
        server_id: serverId,
        policy_decision_id: a.decision_id,
        backend: a.backend,
        executor_name: a.executor_name,
        image: a.image,
        instance_ref: instance.instanceRef,
        started_at: new Date().toISOString(),
      });
      return row;
    });
    if (!recorded) {
      // A stop or another launch replaced this assignment while the engine worked; nothing may outlive it.
      await executor.stop(instance.instanceRef);
      return;
    }
    return recorded;
  }

  /** Polls MCP until it answers (→ running) or the start timeout passes (→ unhealthy, and the health loop restarts). */
  private async waitHealthy(a: AssignmentRow): Promise<void> {
    const deadline = Date.now() + this.config.RUNTIME_START_TIMEOUT_MS;
    let last = 'no answer yet';
    while (!this.closing && !this.cancelled.has(a.server_id) && Date.now() < deadline) {
      const res = await this.probe(a, Math.min(this.config.RUNTIME_HEALTH_TIMEOUT_MS, 2000));
      if (res.ok) {
        await this.transition(a, 'running', null);
        return;
      }
      last = res.error ?? last;
      await new Promise((r) => setTimeout(r, 150));
    }
    if (!this.closing && !this.cancelled.has(a.server_id))
      await this.transition(a, 'unhealthy', `mcp: ${last}`);
  }

  /** MCP initialize + ping on the endpoint; with no endpoint reachable from here, the executor's readiness. */
  private async probe(a: AssignmentRow, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
    if (a.endpoint) return this.checker.check(a.endpoint, timeoutMs);
    const executor = this.registry.get(a.executor_name);
    const ready = executor && a.instance_ref ? await executor.isRunning(a.instance_ref) : false;
    return ready ? { ok: true } : { ok: false, error: 'not ready' };
  }

  /** Moves the server's status, but only while `a` is still its current assignment and should run. */
  private async transition(a: AssignmentRow, to: string, reason: string | null): Promise<boolean> {
    return this.tx.run(async (m) => {
      // Server row first, then the assignment: the order every runtime transaction locks in.
      if (!(await this.servers.lockById(m, a.server_id))) return false;
      const cur = await this.assignments.find(m, a.server_id, true);
      if (!cur || cur.decision_id !== a.decision_id || cur.desired_state !== 'running') return false;
      await this.status.set(m, a.server_id, to, reason);
      return true;
    });
  }

  private async fail(a: AssignmentRow, kind: string, message: string): Promise<void> {
    this.logger.warn({ serverId: a.server_id, kind, message }, 'launch failed');
    await this.tx.run(async (m) => {
      if (!(await this.servers.lockById(m, a.server_id))) return;
      const cur = await this.assignments.find(m, a.server_id, true);
      if (!cur || cur.decision_id !== a.decision_id || cur.desired_state !== 'running') return;
      await this.assignments.setDesired(m, a.server_id, 'failed', message);
      await this.status.set(m, a.server_id, 'error', `${kind}: ${message}`.slice(0, 1000));
      await this.outbox.publish(m, 'runtime.launch.failed', {
        launch_id: a.launch_id,
        server_id: a.server_id,
        policy_decision_id: a.decision_id,
        backend: a.backend,
        error_kind: kind,
        message: message.slice(0, 4000),
        failed_at: new Date().toISOString(),
      });
    });
  }

  // --- stop and logs -----------------------------------------------------------------------------------------------

  /** Removes the server's instance once its assignment says stopped (the caller committed that first). */
  /** Never rejects: an engine that fails the stop leaves the instance to the next sweep, which retries it. */
  stop(serverId: string): Promise<void> {
    this.cancelled.add(serverId);
    return this.withLock(serverId, async () => {
      this.cancelled.delete(serverId);
      const a = await this.tx.read((m) => this.assignments.find(m, serverId));
      if (!a || a.desired_state === 'running' || !a.instance_ref) return;
      const executor = this.registry.get(a.executor_name);
      if (!executor) return;
      await executor.stop(a.instance_ref);
      await this.tx.run(async (m) => {
        await this.assignments.clearInstance(m, serverId, a.instance_ref!);
        await this.assignments.deleteIfServerGone(m, serverId);
      });
      this.health.delete(serverId);
    }).catch((err: unknown) =>
      this.logger.error({ err: String(err), serverId }, 'stop failed; the next sweep retries'),
    );
  }

  async logs(a: AssignmentRow, opts: LogOptions): Promise<Readable | undefined> {
    const executor = this.registry.get(a.executor_name);
    if (!executor || !a.instance_ref) return undefined;
    return executor.logs(a.instance_ref, opts);
  }

  // --- health ------------------------------------------------------------------------------------------------------

  private async checkAll(): Promise<void> {
    if (this.checking) return;
    this.checking = (async () => {
      const all = await this.tx.read((m) => this.assignments.all(m));
      await Promise.all(
        all
          .filter((a) => a.desired_state === 'running' && a.instance_ref && !this.locks.has(a.server_id))
          .map((a) =>
            this.checkOne(a).catch((err: unknown) =>
              this.logger.warn({ err: String(err) }, 'health check failed'),
            ),
          ),
      );
    })().finally(() => (this.checking = undefined));
    await this.checking;
  }

  private async checkOne(a: AssignmentRow): Promise<void> {
    const state = this.health.get(a.server_id) ?? {
      backoffMs: this.config.RUNTIME_RESTART_BACKOFF_MS,
      failures: 0,
      restarting: false,
    };
    this.health.set(a.server_id, state);
    if (state.restarting) return;
    const res = await this.probe(a, this.config.RUNTIME_HEALTH_TIMEOUT_MS);
    if (res.ok) {
      state.failures = 0;
      state.backoffMs = this.config.RUNTIME_RESTART_BACKOFF_MS;
      await this.transition(a, 'running', null);
      return;
    }
    state.failures += 1;
    await this.transition(a, 'unhealthy', `mcp: ${res.error ?? 'no answer'}`.slice(0, 1000));
    const executor = this.registry.get(a.executor_name);
    if (!executor) return;
    const alive = await executor.isRunning(a.instance_ref!);
    // A crashed workload restarts at once (after the backoff); a live one that stopped answering gets three checks.
    if (alive && state.failures < 3) return;
    state.restarting = true;
    const delay = state.backoffMs;
    state.backoffMs = Math.min(state.backoffMs * 2, this.config.RUNTIME_RESTART_BACKOFF_MAX_MS);
    this.later(delay, () =>
      this.withLock(a.server_id, async () => {
        try {
          await this.restartLocked(a.server_id, alive);
        } finally {
          state.restarting = false;
        }
      }),
    );
  }

  private async restartLocked(serverId: string, hung: boolean): Promise<void> {
    const a = await this.tx.read((m) => this.assignments.find(m, serverId));
    if (!a || a.desired_state !== 'running' || !a.instance_ref) return;
    const executor = this.registry.get(a.executor_name);
    if (!executor) return;
    await this.tx.run((m) => this.assignments.countRestart(m, serverId));
    if (hung) await executor.stop(a.instance_ref);
    let endpointChanged = false;
    try {
      if (hung) throw new Error('replaced');
      const inst = await executor.restart(a.instance_ref);
      endpointChanged = inst.endpoint !== a.endpoint;
      if (endpointChanged) {
        const row = await this.tx.run((m) =>
          this.assignments.recordInstance(m, serverId, a.version, inst.instanceRef, inst.endpoint),
        );
        if (row) await this.waitHealthy(row);
        return;
      }
    } catch {
      // The instance is gone (or hung and removed): launch a fresh one for the same decision.
      await this.tx.run((m) => this.assignments.clearInstance(m, serverId, a.instance_ref!));
      await this.launchLocked(serverId);
      return;
    }
    await this.waitHealthy(a);
  }

  // --- reconciliation ----------------------------------------------------------------------------------------------

  /** Adopts labelled instances that match their assignment, removes any other, launches assignments without one. */
  sweep(): Promise<void> {
    this.sweeping ??= this.reconcile().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async reconcile(): Promise<void> {
    if (this.closing || this.registry.all().length === 0) return;
    const assignments = await this.tx.read((m) => this.assignments.all(m));
    const byServer = new Map(assignments.map((a) => [a.server_id, a]));
    for (const executor of this.registry.all()) {
      const instances = await executor.list();
      for (const inst of instances) {
        if (this.locks.has(inst.serverId)) continue;
        if (wanted(byServer.get(inst.serverId), executor.descriptor.name, inst)) continue;
        // Another replica may be launching it right now: it is removed only under the launch lock, and only if
        // the assignment read there still does not want it.
        await this.withLock(inst.serverId, () =>
          this.launchLock.tryWith(inst.serverId, async () => {
            const a = await this.tx.read((m) => this.assignments.find(m, inst.serverId));
            if (wanted(a, executor.descriptor.name, inst)) return;
            this.logger.info(
              { serverId: inst.serverId, instance: inst.instanceRef },
              'removing an orphan instance',
            );
            await executor.stop(inst.instanceRef);
          }),
        );
      }
    }
    for (const a of assignments) {
      if (this.locks.has(a.server_id)) continue;
      if (a.desired_state === 'running' && a.instance_ref === null) void this.launch(a.server_id);
      else if (a.desired_state !== 'running' && a.instance_ref !== null) void this.stop(a.server_id);
    }
  }
}
