// The structural test of the deployment files: docker-compose.yml, apps/*/Dockerfile, infra/kubernetes and the
// Kafka topic script. No container engine runs here, so it checks what the files say, not what they start.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { topicCommands, parseArgs } = require('../kafka/create-topics.js') as {
  topicCommands: (
    topics: ReadonlyArray<{ name: string; partitions: number; retentionMs: number }>,
    options: { bin: string; bootstrapServer: string; replicationFactor: number },
  ) => string[][];
  parseArgs: (argv: string[], env: Record<string, string | undefined>) => Record<string, unknown>;
};

const repoRoot = join(__dirname, '..', '..');
const SERVICES = ['gateway', 'build-service', 'policy-engine', 'governance', 'marketplace'] as const;
const BACKING = ['kafka', 'postgres', 'redis', 'registry'] as const;

type Env = Record<string, string | number | boolean>;
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Env;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const read = (relative: string): string => readFileSync(join(repoRoot, relative), 'utf8');
// merge: true resolves the `<<: *anchor` keys the way docker compose does.
const loadCompose = (): Compose => parse(read('docker-compose.yml'), { merge: true }) as Compose;
const healthcheckText = (service: ComposeService): string =>
  [service.healthcheck?.test ?? []].flat().join(' ');

function workspaceDirs(): string[] {
  const { packages } = parse(read('pnpm-workspace.yaml')) as { packages: string[] };
  return packages
    .flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(join(repoRoot, pattern.slice(0, -2)), { withFileTypes: true })
            .filter((entry) => entry.isDirectory())
            .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
        : [pattern],
    )
    .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')));
}

/** Every structural rule a service Dockerfile must follow; an empty list means it complies. */
function dockerfileProblems(name: string, text: string, manifests: string[]): string[] {
  const lines = text.split('\n').map((line) => line.trim());
  const instructions = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim());
  const froms = lines.filter((line) => /^FROM\s/i.test(line));
  const finalStage = instructions.slice(instructions.findLastIndex((line) => /^FROM\s/i.test(line)));
  const users = finalStage.filter((line) => /^USER\s/i.test(line));
  const lastUser = users.at(-1)?.split(/\s+/)[1];
  const problems: string[] = [];
  const pkg = `@mcp-host/${name}`;
  if (froms.length < 2) problems.push(`multi-stage: ${froms.length} FROM`);
  if (!/ARG NODE_IMAGE=node:20-bookworm-slim/.test(text)) problems.push('base image: node:20-bookworm-slim');
  if (!/pnpm@9\.15\.9/.test(text)) problems.push('pnpm pinned to 9.15.9');
  if (!instructions.some((l) => l.includes(`pnpm install --frozen-lockfile --filter "${pkg}..."`))) {
    problems.push(`frozen install filtered to ${pkg}...`);
  }
  if (!instructions.some((l) => l.includes(`pnpm turbo run build --filter "${pkg}..."`))) {
    problems.push(`turbo build filtered to ${pkg}...`);
  }
  if (!instructions.some((l) => new RegExp(`pnpm deploy --filter ${pkg} --prod /out$`).test(l))) {
    problems.push(`pnpm deploy --filter ${pkg} --prod`);
  }
  for (const dir of manifests) {
    if (!lines.includes(`COPY ${dir}/package.json ${dir}/`))
      problems.push(`copies manifest ${dir}/package.json`);
  }
  if (!lastUser || lastUser === 'root' || lastUser === '0' || lastUser.startsWith('0:')) {
    problems.push(`final stage runs as non-root (USER ${lastUser ?? 'unset'})`);
  }
  if (!finalStage.some((l) => /^ENV\s.*\bNODE_ENV=production\b/.test(l)))
    problems.push('NODE_ENV=production');
  if (!finalStage.includes('EXPOSE 3000')) problems.push('EXPOSE 3000');
  if (!finalStage.some((l) => /^HEALTHCHECK\s.*CMD \["node", "-e", ".*127\.0\.0\.1.*\/healthz/.test(l))) {
    problems.push('HEALTHCHECK on /healthz with node');
  }
  if (!finalStage.includes('CMD ["node", "dist/main.js"]')) {
    problems.push('CMD ["node", "dist/main.js"]');
  }
  return problems;
}

describe('docker-compose.yml', () => {
  const compose = loadCompose();

  it.each(SERVICES)(
    'when %s is defined, then it has both an image name and a build from its own Dockerfile',
    (name) => {
      const service = compose.services[name];
      expect(service).toBeDefined();
      expect(service.image).toBe(`mcp-host/${name}:local`);
      expect(service.build).toEqual({ context: '.', dockerfile: `apps/${name}/Dockerfile` });
    },
  );

  it.each(SERVICES)('when %s starts, then it gets the broker, database and bind settings', (name) => {
    const env = compose.services[name].environment ?? {};
    expect(env).toMatchObject({
      KAFKA_BROKERS: 'kafka:9092',
      DATABASE_URL: 'postgres://postgres:postgres@postgres:5432/mcp_host',
      BIND_ADDRESS: '0.0.0.0',
      BIND_PORT: '3000',
    });
  });

  it.each(SERVICES)('when %s runs, then its healthcheck probes /readyz', (name) => {
    expect(healthcheckText(compose.services[name])).toMatch(/127\.0\.0\.1:3000\/readyz/);
  });

  it('when the gateway starts, then it gets Redis and an upstream URL for every other service', () => {
    const env = compose.services.gateway.environment ?? {};
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    for (const name of SERVICES.filter((s) => s !== 'gateway')) {
      const variable = `GATEWAY_UPSTREAM_${name.toUpperCase().replace(/-/g, '_')}`;
      expect({ [variable]: env[variable] }).toEqual({ [variable]: `http://${name}:3000` });
    }
  });

  it('when build-service starts, then it gets the registry and the mounted Docker socket', () => {
    const service = compose.services['build-service'];
    // The value is `${REGISTRY_URL:-registry:5000/mcp}` so an operator can override it; compose interpolates it.
    expect(service.environment?.REGISTRY_URL).toBe('${REGISTRY_URL:-registry:5000/mcp}');
    expect(service.environment?.DOCKER_HOST).toBe('unix:///var/run/docker.sock');
    expect(service.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
  });

  it('when Kafka is defined, then it runs KRaft (broker and controller roles, a quorum) and no ZooKeeper exists', () => {
    const kafka = compose.services.kafka;
    expect(kafka.image).toBe('apache/kafka:3.9.0');
    const env = kafka.environment ?? {};
    expect(String(env.KAFKA_PROCESS_ROLES).split(',').sort()).toEqual(['broker', 'controller']);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka:9093');
    expect(env.KAFKA_NODE_ID).toBeDefined();
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBeDefined();
    expect(String(env.KAFKA_ADVERTISED_LISTENERS)).toContain('kafka:9092');
    expect(Object.keys(env).filter((key) => key.includes('ZOOKEEPER'))).toEqual([]);
    expect(Object.keys(compose.services).filter((key) => /zookeeper/i.test(key))).toEqual([]);
    expect(healthcheckText(kafka)).toContain('/opt/kafka/bin/kafka-broker-api-versions.sh');
  });

  it.each(BACKING)('when %s is defined, then it has a healthcheck', (name) => {
    expect(compose.services[name]).toBeDefined();
    expect(healthcheckText(compose.services[name])).not.toBe('');
  });

  it('when a service depends on another, then the target exists, has a healthcheck and is awaited healthy', () => {
    const edges = Object.entries(compose.services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {}).map(([target, { condition }]) => ({
        name,
        target,
        condition,
      })),
    );
    expect(edges.length).toBeGreaterThanOrEqual(SERVICES.length * 2);
    for (const { name, target, condition } of edges) {
      expect({ name, target, exists: target in compose.services, condition }).toEqual({
        name,
        target,
        exists: true,
        condition: 'service_healthy',
      });
      expect(healthcheckText(compose.services[target])).not.toBe('');
    }
  });

  it('when the stack is up, then only the gateway publishes a port, 3000', () => {
    const published = Object.entries(compose.services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name, service]) => [name, service.ports]);
    expect(published).toEqual([['gateway', ['127.0.0.1:3000:3000']]]);
  });

  it('when Kafka, Postgres and the registry store data, then each uses a declared named volume', () => {
    const mounts: Record<string, string> = {
      kafka: '/var/lib/kafka/data',
      postgres: '/var/lib/postgresql/data',
      registry: '/var/lib/registry',
    };
    for (const [name, path] of Object.entries(mounts)) {
      const volume = (compose.services[name].volumes ?? []).find((v) => v.endsWith(`:${path}`));
      expect({ name, volume: volume !== undefined }).toEqual({ name, volume: true });
      expect(Object.keys(compose.volumes ?? {})).toContain(volume?.split(':')[0]);
    }
  });

  it('when Postgres mounts an init script, then the script exists', () => {
    const init = (compose.services.postgres.volumes ?? []).find((v) =>
      v.includes('docker-entrypoint-initdb.d'),
    );
    expect(init).toBeDefined();
    expect(existsSync(join(repoRoot, String(init).split(':')[0]))).toBe(true);
  });
});

describe('service Dockerfiles', () => {
  const manifests = workspaceDirs();

  it('when the workspace is listed, then the apps, the packages, bench and infra are in it', () => {
    expect(manifests).toEqual(
      expect.arrayContaining([...SERVICES.map((s) => `apps/${s}`), 'packages/contracts', 'infra']),
    );
  });

  it.each(SERVICES)('when %s is built, then its Dockerfile follows every structural rule', (name) => {
    expect(dockerfileProblems(name, read(`apps/${name}/Dockerfile`), manifests)).toEqual([]);
  });

  it('when a Dockerfile deploys another service, runs as root and is single-stage, then the rules catch each', () => {
    const bad = read('apps/gateway/Dockerfile')
      .replace(/^FROM \$\{NODE_IMAGE\} AS build$/m, '')
      .replace('USER node', 'USER root')
      .replaceAll('@mcp-host/gateway', '@mcp-host/marketplace');
    expect(dockerfileProblems('gateway', bad, manifests)).toEqual(
      expect.arrayContaining([
        'multi-stage: 1 FROM',
        'frozen install filtered to @mcp-host/gateway...',
        'pnpm deploy --filter @mcp-host/gateway --prod',
        'final stage runs as non-root (USER root)',
      ]),
    );
  });

  it('when the generator runs in check mode, then the committed Dockerfiles and manifests match its output', () => {
    expect(() =>
      execFileSync(process.execPath, [join(repoRoot, 'infra/scripts/generate.mjs'), '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it('when the build context is sent, then .dockerignore leaves out installs, builds and the git history', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(
      expect.arrayContaining([
        '**/node_modules',
        '**/dist',
        '**/.turbo',
        '**/coverage',
        '**/.mcp-host',
        '.git',
      ]),
    );
  });
});

describe('Kubernetes manifests', () => {
  type Manifest = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const dir = join(repoRoot, 'infra/kubernetes');
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => doc.toJS() as Manifest),
  );
  const find = (kind: string, name: string) =>
    manifests.find((m) => m.kind === kind && m.metadata.name === name);

  it('when kustomize applies the directory, then every listed resource file exists and parses', () => {
    for (const file of kustomization.resources) expect(existsSync(join(dir, file))).toBe(true);
    expect(manifests.every((m) => typeof m.kind === 'string')).toBe(true);
  });

  it.each(SERVICES)('when %s is deployed, then it has a Deployment and a Service on port 3000', (name) => {
    const deployment = find('Deployment', name);
    const service = find('Service', name);
    expect(deployment).toBeDefined();
    expect(service?.spec.selector).toEqual(deployment?.spec.selector.matchLabels);
    expect(deployment?.spec.template.metadata.labels).toMatchObject(deployment?.spec.selector.matchLabels);
    expect(service?.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http' }]);
  });

  it.each(SERVICES)(
    'when %s runs in a pod, then it is probed on /readyz and /healthz as non-root',
    (name) => {
      const pod = find('Deployment', name)?.spec.template.spec;
      const container = pod.containers[0];
      expect(container.image).toBe(`mcp-host/${name}:local`);
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'mcp-host-config' } }]);
      expect(container.env.map((e: { name: string }) => e.name)).toContain('DATABASE_URL');
    },
  );

  it('when a pod reads a ConfigMap key, then the shared ConfigMap defines it along with the broker address', () => {
    const config = find('ConfigMap', 'mcp-host-config');
    expect(config?.data?.KAFKA_BROKERS).toBeDefined();
    const keys = SERVICES.flatMap((name) =>
      (find('Deployment', name)?.spec.template.spec.containers[0].env ?? [])
        .map((e: { valueFrom?: { configMapKeyRef?: { key: string } } }) => e.valueFrom?.configMapKeyRef?.key)
        .filter(Boolean),
    );
    expect(keys).toEqual(expect.arrayContaining(['REGISTRY_URL', 'DOCKER_HOST']));
    for (const key of keys) expect(Object.keys(config?.data ?? {})).toContain(key);
  });
});

describe('Kafka topic script', () => {
  const options = {
    bin: '/opt/kafka/bin/kafka-topics.sh',
    bootstrapServer: 'kafka:9092',
    replicationFactor: 1,
  };

  it('when a topic is in the registry, then it gets an idempotent create with its partitions and retention', () => {
    const commands = topicCommands(
      [{ name: 'mcp-host.servers.v1', partitions: 6, retentionMs: 2_592_000_000 }],
      options,
    );
    expect(commands).toEqual([
      [
        '/opt/kafka/bin/kafka-topics.sh',
        '--bootstrap-server',
        'kafka:9092',
        '--create',
        '--if-not-exists',
        '--topic',
        'mcp-host.servers.v1',
        '--partitions',
        '6',
        '--replication-factor',
        '1',
        '--config',
        'retention.ms=2592000000',
      ],
    ]);
  });

  it('when a topic name could inject shell or sizes are invalid, then the script refuses', () => {
    expect(() => topicCommands([{ name: 'x; rm -rf /', partitions: 1, retentionMs: 1 }], options)).toThrow(
      /invalid topic/,
    );
    expect(() => topicCommands([{ name: 'ok.v1', partitions: 0, retentionMs: 1 }], options)).toThrow(
      /partitions/,
    );
    expect(() => topicCommands([{ name: 'ok.v1', partitions: 1, retentionMs: 0 }], options)).toThrow(
      /retentionMs/,
    );
    expect(() => topicCommands([], { ...options, bootstrapServer: 'a b' })).toThrow(/bootstrap/);
  });

  it('when no flags are given, then it prints for KAFKA_BROKERS with replication factor 1', () => {
    expect(parseArgs([], { KAFKA_BROKERS: 'kafka:9092' })).toEqual({
      execute: false,
      bin: 'kafka-topics.sh',
      bootstrapServer: 'kafka:9092',
      replicationFactor: 1,
    });
    expect(() => parseArgs(['--bogus'], {})).toThrow(/unknown argument/);
  });
});
