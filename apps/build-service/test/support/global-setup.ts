// Jest globalSetup: starts Podman's API socket (project-local containers.conf, storage under a temp dir) and two
// docker-registry instances on loopback; global-teardown stops them. Nothing outside this run's temp dir is touched.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_ENV_VAR, type EngineEnv } from './engine-env';
import { requireCommand, started, startPodmanService, startRegistry } from './local-engine';

declare global {
  var __BUILD_TEST_CHILDREN__: ChildProcess[] | undefined;
  var __BUILD_TEST_ROOT__: string | undefined;
}

export default async function globalSetup(): Promise<void> {
  requireCommand('podman', 'podman');
  requireCommand('docker-registry', 'docker-registry');
  requireCommand('runc', 'runc');
  requireCommand('git', 'git');
  const root = mkdtempSync(join(tmpdir(), 'mcp-build-test-'));
  globalThis.__BUILD_TEST_ROOT__ = root;
  // global-teardown stops whatever was started, also after a failure half-way through.
  globalThis.__BUILD_TEST_CHILDREN__ = started;

  const authUser = 'builder';
  const authPassword = 'fresh-secret';
  const open = await startRegistry(root, 'registry-open');
  const authed = await startRegistry(root, 'registry-auth', { user: authUser, password: authPassword });
  const { socket } = await startPodmanService(root);

  const env: EngineEnv = {
    dockerHost: `unix://${socket}`,
    openRegistry: open.address,
    authRegistry: authed.address,
    authUser,
    authPassword,
    root,
  };
  const envFile = join(root, 'engine-env.json');
  writeFileSync(envFile, JSON.stringify(env));
  process.env[ENGINE_ENV_VAR] = envFile;
}
