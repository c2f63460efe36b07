// The real parts the build tests run against, started once per Jest run by global-setup: Podman's Docker-compatible
// API socket and two CNCF distribution registries on loopback (one open, one with htpasswd auth).
import { readFileSync } from 'node:fs';

export interface EngineEnv {
  /** unix:///…/podman.sock */
  dockerHost: string;
  /** 127.0.0.1:<port>, no auth, deletes enabled. */
  openRegistry: string;
  /** 127.0.0.1:<port>, htpasswd auth. */
  authRegistry: string;
  authUser: string;
  /** The password the auth registry accepts. */
  authPassword: string;
  /** Scratch directory of the run, removed at teardown. */
  root: string;
}

export const ENGINE_ENV_VAR = 'MCP_BUILD_TEST_ENGINE_ENV';

export function engineEnv(): EngineEnv {
  const path = process.env[ENGINE_ENV_VAR];
  if (!path)
    throw new Error(
      'The build-service test engine is not running: run the tests through jest (global-setup).',
    );
  return JSON.parse(readFileSync(path, 'utf8')) as EngineEnv;
}
