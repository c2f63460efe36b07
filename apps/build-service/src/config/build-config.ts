// Every variable of the build service with its default and meaning; parsed once at start with the kit's schema.
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { envBoolean, envInt, envList, type PlatformConfig } from '@mcp-host/platform';
import { z } from 'zod';
import { isSupportedPlatform, SUPPORTED_PLATFORMS } from './platforms';

const REGISTRY_URL_PATTERN = /^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$/;

const optionalText = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** Under the standalone host's data dir when it is known, else a per-user directory under the OS temp dir. */
function defaultWorkDir(): string {
  const dataDir = process.env.MCP_HOST_DATA_DIR?.trim();
  if (dataDir) return join(dataDir, 'builds');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `mcp-host-builds-${uid}`);
}

export const buildConfigShape = {
  REGISTRY_URL: z
    .string()
    .default('127.0.0.1:5000/mcp-host')
    .refine(
      (v) => REGISTRY_URL_PATTERN.test(v),
      'must be host[:port]/namespace in lower case, e.g. registry.local:5000/mcp',
    )
    .describe('Registry and namespace images are pushed to: `<REGISTRY_URL>/<server name>`.'),
  REGISTRY_INSECURE: envBoolean(false).describe(
    'Talk plain HTTP to the registry API (loopback and test registries); HTTPS otherwise.',
  ),
  DOCKER_HOST: z
    .string()
    .default('unix:///var/run/docker.sock')
    .describe('Container engine API: unix:///path/to/docker.sock (Docker or Podman), or tcp://host:port.'),
  REGISTRY_ARCH_TARGETS: envList(['linux/amd64'])
    .refine((l) => l.length > 0 && l.every(isSupportedPlatform), {
      message: `must list platforms among ${SUPPORTED_PLATFORMS.join(', ')}`,
    })
    .describe('Comma-separated platforms to build and publish.'),
  REGISTRY_BUILD_PARALLELISM: envInt(0, 0, 64).describe(
    'Per-architecture builds run at once; 0 means the CPU count capped at the number of targets.',
  ),
  REGISTRY_BUILD_DISABLE_CACHE: envBoolean(false).describe(
    'Disable layer cache reuse (nocache) for every build.',
  ),
  REGISTRY_BUILD_CACHE_FROM: envList([]).describe('Comma-separated cache images passed as cache-from.'),
  REGISTRY_PUSH_RETRIES: envInt(3, 0, 20).describe(
    'Retries of a push after a transient fault (I/O, reset, timeout, 5xx) or a credential refresh.',
  ),
  REGISTRY_PUSH_BACKOFF_MS: envInt(500, 0, 60000).describe('First retry delay; doubles per attempt.'),
  REGISTRY_PUSH_TIMEOUT_SECONDS: envInt(600, 1, 86400).describe('Longest one push attempt may take.'),
  REGISTRY_AUTH_DOCKERCONFIG: optionalText().describe(
    'Path to the dockerconfigjson with the registry credentials.',
  ),
  REGISTRY_AUTH_MAX_AGE_SECONDS: envInt(86400, 1).describe(
    'Age of the dockerconfigjson after which credentials are reported expired.',
  ),
  REGISTRY_AUTH_ROTATE_LEAD_SECONDS: envInt(3600, 0).describe(
    'Lead time before the max age at which a proactive rotation is attempted.',
  ),
  REGISTRY_AUTH_REFRESH_COMMAND: optionalText().describe(
    'Shell command that rewrites REGISTRY_AUTH_DOCKERCONFIG with fresh credentials (run on auth failures).',
  ),
  REGISTRY_AUTH_ROTATE_COMMAND: optionalText().describe(
    'Shell command for proactive rotation; defaults to REGISTRY_AUTH_REFRESH_COMMAND.',
  ),
  REGISTRY_AUTH_COMMAND_TIMEOUT_SECONDS: envInt(120, 1, 3600).describe(
    'Longest a refresh/rotate command may run.',
  ),
  K8S_REGISTRY_SECRET_NAME: optionalText().describe(
    'Kubernetes pull secret patched with the dockerconfigjson after a refresh or rotation.',
  ),
  K8S_NAMESPACE: optionalText().describe(
    'Namespace of the pull secret; defaults to the in-cluster namespace, else `default`.',
  ),
  KUBECONFIG: optionalText().describe('Kubeconfig for the pull-secret patch; in-cluster auth when unset.'),
  BUILD_WORKDIR: z
    .string()
    .default(defaultWorkDir())
    .describe(
      'Scratch directory (mode 0700) for cloned repositories and extracted contexts; default <MCP_HOST_DATA_DIR>/builds, else mcp-host-builds-<uid> under the OS temp dir.',
    ),
  BUILD_ALLOW_LOCAL_SOURCES: envBoolean(false).describe(
    'Allow file:// URLs and local paths as source_repository (tests and the standalone demo).',
  ),
  BUILD_ALLOW_PRIVATE_SOURCES: envBoolean(false).describe(
    'Allow source hosts on loopback, link-local, private or other internal addresses.',
  ),
  BUILD_GIT_CREDENTIALS_FILE: optionalText().describe(
    'git-credential-store file (https://user:token@host per line) git takes credentials from; credentials in a source URL are never used.',
  ),
  BUILD_CONTEXT_MAX_BYTES: envInt(512 * 1024 * 1024, 1, 2 ** 31 - 1).describe(
    'Largest decompressed size of an uploaded build context (413 CONTEXT_TOO_LARGE past it).',
  ),
  BUILD_CONTEXT_MAX_ENTRIES: envInt(100_000, 1, 10_000_000).describe(
    'Most entries in an uploaded build context (413 CONTEXT_TOO_LARGE past it).',
  ),
  BUILD_MAX_CONCURRENT: envInt(4, 1, 256).describe(
    'Builds this service runs at once; the rest wait as queued.',
  ),
  BUILD_GIT_TIMEOUT_SECONDS: envInt(120, 1, 3600).describe('Longest a git clone may take.'),
  BUILD_STALE_AFTER_SECONDS: envInt(60, 2, 86400).describe(
    'A running build whose worker has not reported for this long (a killed replica) is failed as interrupted.',
  ),
};

export type BuildConfig = PlatformConfig & z.infer<z.ZodObject<typeof buildConfigShape>>;

export function buildParallelism(config: BuildConfig, targets: number): number {
  const cap =
    config.REGISTRY_BUILD_PARALLELISM > 0 ? config.REGISTRY_BUILD_PARALLELISM : availableParallelism();
  return Math.max(1, Math.min(cap, targets));
}
