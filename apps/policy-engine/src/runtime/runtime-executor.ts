// What every runtime executor implements, and how it describes itself to the policy engine.
import type { Readable } from 'node:stream';

export interface RuntimeExecutorDescriptor {
  /** Unique name, recorded as the decision's `executor_name`, e.g. `docker-local`. */
  name: string;
  /** The backend it serves, matched against a launch's backend preference: `docker`, `kubernetes`. */
  kind: string;
  capabilities: readonly string[];
}

export interface LaunchSpec {
  serverId: string;
  serverName: string;
  decisionId: string;
  launchId: string;
  image: string;
}

export interface LaunchedInstance {
  /** Container id, or `namespace/deployment`. */
  instanceRef: string;
  /** The MCP endpoint the orchestrator checks health on; null when the engine cannot be reached from here. */
  endpoint: string | null;
}

export interface ManagedInstance {
  instanceRef: string;
  serverId: string;
  decisionId: string;
  running: boolean;
}

export interface LogOptions {
  tail: number;
  follow: boolean;
  timestamps?: boolean;
  since?: string;
}

export interface RuntimeExecutor {
  readonly descriptor: RuntimeExecutorDescriptor;
  launch(spec: LaunchSpec): Promise<LaunchedInstance>;
  /** Stops and removes the instance; an instance already gone is not an error. */
  stop(instanceRef: string): Promise<void>;
  /** Whether the instance still exists and runs. */
  isRunning(instanceRef: string): Promise<boolean>;
  /** Starts an existing instance again (after a crash); returns its endpoint. */
  restart(instanceRef: string): Promise<LaunchedInstance>;
  /** Every instance this orchestrator labelled, for reconciliation. */
  list(): Promise<ManagedInstance[]>;
  /** With `timestamps`, each line starts with its RFC 3339 time and a space; `since` (such a time) skips earlier ones. */
  logs(instanceRef: string, opts: LogOptions): Promise<Readable>;
}

export class ExecutorUnavailableError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExecutorUnavailableError';
  }
}
