// The conformance evaluator: takes queued `mcp-conformance` requests (CONFORMANCE_CONCURRENCY at a time), runs the
// artifact's image in a container of its own on the runtime's engine (DOCKER_HOST) with the Docker executor's secure
// defaults, runs the MCP checks on it, always removes the container, and publishes `evaluation.result.recorded`
// (pass or fail, evidence, the manifest, valid_until) in the transaction that marks the queued run done.
import { randomUUID } from 'node:crypto';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Docker from 'dockerode';
import type { EvaluationResultRecorded } from '@mcp-host/contracts';
import { InjectConfig, InjectLogger, OutboxService, Transactions } from '@mcp-host/platform';
import { dockerFromHost, demuxBuffer, LABELS } from '../runtime/docker.executor';
import type { RuntimeLogger as Logger } from '../runtime/runtime-logger';
import type { RuntimeConfig } from '../runtime/runtime.config';
import { runConformanceChecks, type ConformanceOutcome } from './conformance-check';
import { ConformanceRunRepository, type ConformanceRunRow } from './conformance-run.repository';
import type { ConformanceConfig } from './conformance.config';

export const CONFORMANCE_LABEL = 'org.mcp-host.conformance-certification';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The engine could not run the evaluation at all (not the server's fault): the run is tried again. */
class EngineUnavailable extends Error {}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

@Injectable()
export class ConformanceEvaluator implements OnApplicationBootstrap, OnApplicationShutdown {
  private docker?: Docker;
  private active = 0;
  private timer?: NodeJS.Timeout;
  private closing = false;
  private pumping = false;
  private readonly inflight = new Set<Promise<void>>();
  private networkReady?: Promise<void>;
  private readonly logger: Logger;

  constructor(
    private readonly runs: ConformanceRunRepository,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    @InjectConfig() private readonly config: ConformanceConfig & RuntimeConfig,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'conformance-evaluator' });
  }

  get enabled(): boolean {
    return this.config.CONFORMANCE_ENABLED && this.config.DOCKER_HOST !== undefined;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) {
      this.logger.info({}, 'conformance evaluator off (CONFORMANCE_ENABLED false or no DOCKER_HOST)');
      return;
    }
    this.docker = dockerFromHost(this.config.DOCKER_HOST!);
    this.timer = setInterval(() => this.wake(), this.config.CONFORMANCE_POLL_INTERVAL_MS);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inflight]);
  }

  /** Claims due runs until the concurrency is used up or the queue is empty. */
  wake(): void {
    if (!this.enabled || this.closing || this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (!this.closing && this.active < this.config.CONFORMANCE_CONCURRENCY) {
          // A claimed run whose evaluator died is taken again once it is older than the longest run could be.
          const staleMs =
            this.config.CONFORMANCE_START_TIMEOUT_MS + 20 * this.config.CONFORMANCE_CALL_TIMEOUT_MS;
          const run = await this.tx.run((m) => this.runs.claim(m, staleMs));
          if (!run) break;
          this.active++;
          const p = this.execute(run).finally(() => {
            this.active--;
            this.inflight.delete(p);
            this.wake();
          });
          this.inflight.add(p);
        }
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'conformance queue unavailable');
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async execute(run: ConformanceRunRow): Promise<void> {
    const startedAt = new Date().toISOString();
    try {
      const image = await this.tx.read((m) => this.runs.imageOf(m, run.artifact_run_id));
      if (!image) {
        if (Date.now() - new Date(run.created_at).getTime() < this.config.CONFORMANCE_ARTIFACT_WAIT_MS) {
          await this.tx.run((m) =>
            this.runs.release(m, run.id, this.config.CONFORMANCE_POLL_INTERVAL_MS, false),
          );
          return;
        }
        await this.finish(run, {
          status: 'fail',
          manifest: null,
          evidence: { failures: [`artifact run ${run.artifact_run_id} is unknown to the runtime`] },
        });
        return;
      }
      const outcome = await this.evaluate(image, run.request.id);
      await this.finish(run, { ...outcome, evidence: { started_at: startedAt, ...outcome.evidence } });
    } catch (err) {
      if (err instanceof EngineUnavailable && run.attempts < this.config.CONFORMANCE_MAX_ATTEMPTS) {
        this.logger.warn(
          { runId: run.id, err: err.message },
          'engine unavailable; the evaluation is retried',
        );
        await this.tx
          .run((m) =>
            this.runs.release(m, run.id, this.config.CONFORMANCE_POLL_INTERVAL_MS * run.attempts, true),
          )
          .catch(() => undefined);
        return;
      }
      await this.finish(run, {
        status: 'fail',
        manifest: null,
        evidence: { failures: [`evaluation could not run: ${String(err).slice(0, 2000)}`] },
      }).catch((e: unknown) =>
        this.logger.error({ runId: run.id, err: String(e) }, 'could not record a result'),
      );
    }
  }

  private async finish(run: ConformanceRunRow, outcome: ConformanceOutcome): Promise<void> {
    const req = run.request;
    const now = new Date();
    const payload: EvaluationResultRecorded = {
      certification_id: req.id,
      artifact_run_id: req.artifact_run_id,
      server_id: req.server_id,
      manifest_digest: req.manifest_digest,
      tier: req.tier,
      policy_requirement: req.policy_requirement,
      certification_version: req.version,
      status: outcome.status,
      evidence: { evaluator: 'mcp-conformance', ...outcome.evidence },
      tool_manifest: outcome.manifest,
      valid_from: now.toISOString(),
      valid_until: new Date(now.getTime() + this.config.CONFORMANCE_VALIDITY_DAYS * DAY_MS).toISOString(),
      evaluated_at: now.toISOString(),
    };
    await this.tx.run(async (m) => {
      await this.runs.complete(m, run.id, outcome.status);
      await this.outbox.publish(m, 'evaluation.result.recorded', payload);
    });
    this.logger.info(
      { certificationId: req.id, artifactRunId: req.artifact_run_id, status: outcome.status },
      'conformance evaluated',
    );
  }

  // --- the container -----------------------------------------------------------------------------------------------

  private ensureNetwork(docker: Docker): Promise<void> {
    this.networkReady ??= (async () => {
      const name = this.config.CONFORMANCE_NETWORK;
      const found = await docker.listNetworks({ filters: { name: [name] } });
      if (found.some((n) => n.Name === name)) return;
      try {
        await docker.createNetwork({ Name: name, Labels: { [LABELS.managed]: 'true' } });
      } catch (err) {
        if (statusCode(err) !== 409) throw err;
      }
    })().catch((err: unknown) => {
      this.networkReady = undefined;
      throw err;
    });
    return this.networkReady;
  }

  private async ensureImage(docker: Docker, image: string): Promise<void> {
    try {
      await docker.getImage(image).inspect();
      return;
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  }

  /** Runs the image in an isolated container, checks it, and removes the container whatever happened. */
  async evaluate(image: string, certificationId: string): Promise<ConformanceOutcome> {
    const docker = this.docker;
    if (!docker) throw new EngineUnavailable('no engine');
    const c = this.config;
    const portKey = `${c.RUNTIME_MCP_PORT}/tcp`;
    const timings: Record<string, number> = {};
    let t0 = Date.now();
    try {
      await this.ensureNetwork(docker);
    } catch (err) {
      throw new EngineUnavailable(String(err));
    }
    try {
      await this.ensureImage(docker, image);
    } catch (err) {
      const code = statusCode(err);
      if (code === undefined || code >= 500) throw new EngineUnavailable(String(err));
      return { status: 'fail', manifest: null, evidence: { image, failures: [`image: ${String(err)}`] } };
    }
    timings.image = Date.now() - t0;

    t0 = Date.now();
    let container: Docker.Container | undefined;
    try {
      container = await docker.createContainer({
        name: `mcp-conformance-${certificationId.slice(0, 8)}-${randomUUID().slice(0, 8)}`,
        Image: image,
        User: c.RUNTIME_CONTAINER_USER,
        Env: [
          `PORT=${c.RUNTIME_MCP_PORT}`,
          `MCP_PORT=${c.RUNTIME_MCP_PORT}`,
          `MCP_PATH=${c.RUNTIME_MCP_PATH}`,
        ],
        ExposedPorts: { [portKey]: {} },
        Labels: { [LABELS.managed]: 'true', [CONFORMANCE_LABEL]: certificationId },
        HostConfig: {
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: true,
          Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
          Memory: c.RUNTIME_MEMORY_MB * 1024 * 1024,
          NanoCpus: c.RUNTIME_CPU_MILLICORES * 1_000_000,
          PidsLimit: c.RUNTIME_PIDS_LIMIT,
          NetworkMode: c.CONFORMANCE_NETWORK,
          PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
          RestartPolicy: { Name: 'no' },
        },
      });
      await container.start();
      const info = await container.inspect();
      const port = info.NetworkSettings?.Ports?.[portKey]?.[0]?.HostPort;
      timings.container_start = Date.now() - t0;
      if (!port) throw new EngineUnavailable('the engine published no port');
      const endpoint = `http://127.0.0.1:${port}${c.RUNTIME_MCP_PATH}`;
      const running = container;
      const outcome = await runConformanceChecks({
        endpoint,
        startDeadline: Date.now() + c.CONFORMANCE_START_TIMEOUT_MS,
        callTimeoutMs: c.CONFORMANCE_CALL_TIMEOUT_MS,
        alive: async () => (await running.inspect()).State.Running === true,
      });
      const extra: Record<string, unknown> = { image, container_timings_ms: timings };
      if (outcome.status === 'fail') extra.container_log_tail = await this.logTail(running);
      return { ...outcome, evidence: { ...outcome.evidence, ...extra } };
    } catch (err) {
      if (err instanceof EngineUnavailable) throw err;
      const code = statusCode(err);
      if (code === undefined || code >= 500) throw new EngineUnavailable(String(err));
      return { status: 'fail', manifest: null, evidence: { image, failures: [`container: ${String(err)}`] } };
    } finally {
      if (container) {
        await container.remove({ force: true }).catch((err: unknown) => {
          if (statusCode(err) !== 404)
            this.logger.error(
              { err: String(err), id: container?.id },
              'could not remove a conformance container',
            );
        });
      }
    }
  }

  private async logTail(container: Docker.Container): Promise<string> {
    try {
      const buf = await container.logs({ stdout: true, stderr: true, tail: 20, follow: false });
      return demuxBuffer(buf).toString('utf8').slice(-2000);
    } catch {
      return '';
    }
  }
}
