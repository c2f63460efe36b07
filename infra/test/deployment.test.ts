// The structural test of the deployment files: docker-compose.yml, apps/*/Dockerfile, infra/kubernetes and the
// Kafka topic script. No container engine runs here, so it checks what the files say, not what they start.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
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
  read_only?: boolean;
  tmpfs?: string[] | string;
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

/** What each service writes, by the config variable that names it, and the config file that defines the variable. */
const WRITE_PATHS: ReadonlyArray<{ service: (typeof SERVICES)[number]; variable: string; config?: string }> =
  [
    {
      service: 'gateway',
      variable: 'GATEWAY_ADMIN_TOKEN_FILE',
      config: 'apps/gateway/src/gateway.config.ts',
    },
    {
      service: 'build-service',
      variable: 'BUILD_WORKDIR',
      config: 'apps/build-service/src/config/build-config.ts',
    },
    { service: 'policy-engine', variable: 'VM_SOCKET_DIR', config: 'apps/policy-engine/src/vm/vm.config.ts' },
    // Every image names its data directory the same way; build-service also derives BUILD_WORKDIR's default from it.
    ...SERVICES.map((service) => ({ service, variable: 'MCP_HOST_DATA_DIR' })),
  ];
// Path variables of the services that are only read (or, for REGISTRY_AUTH_DOCKERCONFIG, rewritten by an
// operator-supplied refresh command at a path the operator chooses, with no default). A new path variable must be
// put in one list or the other, so nobody adds a write path the images cannot write.
const READ_PATHS = [
  'BUILD_GIT_CREDENTIALS_FILE',
  'REGISTRY_AUTH_DOCKERCONFIG',
  'KUBECONFIG',
  'INTERNAL_AUTH_TOKEN_FILE',
  'VM_KERNEL_IMAGE',
  'VM_ROOTFS_DIR',
];

/** The instructions of a Dockerfile with continuation lines joined, one per entry. */
const instructionsOf = (text: string): string[] =>
  text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim());
/** The instructions of the last stage, from its FROM on. */
const finalStageOf = (text: string): string[] => {
  const instructions = instructionsOf(text);
  return instructions.slice(instructions.findLastIndex((line) => /^FROM\s/i.test(line)));
};

/** The variables the ENV instructions of a stage set (both the `ENV a=b c=d` and the `ENV a b` forms). */
function envOf(stage: string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of stage.filter((l) => /^ENV\s/i.test(l))) {
    const rest = line.replace(/^ENV\s+/i, '');
    const tokens = rest.split(/\s+/);
    if (!tokens[0].includes('=')) {
      env.set(tokens[0], rest.slice(tokens[0].length).trim());
      continue;
    }
    for (const token of tokens) {
      const eq = token.indexOf('=');
      if (eq > 0) env.set(token.slice(0, eq), token.slice(eq + 1).replace(/^(["'])(.*)\1$/, '$2'));
    }
  }
  return env;
}

/** The simple commands of a RUN instruction, split on &&, || and ;, each as its words. */
const commandsOf = (run: string): string[][] =>
  run
    .replace(/^RUN\s+/i, '')
    .split(/&&|\|\||;/)
    .map((command) => command.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0);

/**
 * Where the final stage lets its runtime user write, and the problems with each write-path variable: each must be
 * set in the final stage to an absolute path under a directory that a RUN before the final USER creates, chowns to
 * that user and closes to others (0700). The code must stay root-owned: no COPY --chown, no chown of the WORKDIR.
 */
function writablePathProblems(text: string, variables: readonly string[]): string[] {
  const stage = finalStageOf(text);
  const userIndex = stage.findLastIndex((line) => /^USER\s/i.test(line));
  const user = userIndex === -1 ? undefined : stage[userIndex].split(/\s+/)[1].split(':')[0];
  const problems: string[] = [];
  if (!user) return ['final stage has no USER'];
  const created = new Set<string>();
  const owned = new Set<string>();
  const closed = new Set<string>();
  // RUNs after USER run as that user, so their chown cannot have given it anything: only the ones before count.
  for (const run of stage.slice(0, userIndex).filter((line) => /^RUN\s/i.test(line))) {
    for (const [command, ...args] of commandsOf(run)) {
      const operands = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-m');
      const paths = (list: string[]) => list.map((p) => posix.normalize(p));
      if (command === 'mkdir') paths(operands).forEach((p) => created.add(p));
      if (command === 'chown' && operands[0]?.split(':')[0] === user) {
        paths(operands.slice(1)).forEach((p) => owned.add(p));
      }
      if (command === 'chmod' && /^0?700$/.test(operands[0] ?? '')) {
        paths(operands.slice(1)).forEach((p) => closed.add(p));
      }
    }
  }
  const writable = [...created].filter((dir) => owned.has(dir) && closed.has(dir));
  const env = envOf(stage);
  for (const variable of variables) {
    const value = env.get(variable);
    if (value === undefined) {
      problems.push(`${variable} is not set in the final stage`);
      continue;
    }
    if (!posix.isAbsolute(value)) {
      problems.push(`${variable}=${value} is not an absolute path`);
      continue;
    }
    // normalize resolves `..`, so /var/lib/mcp-host/../../../app does not count as under the data directory.
    const path = posix.normalize(value);
    if (!writable.some((dir) => path === dir || path.startsWith(`${dir}/`))) {
      problems.push(
        `${variable}=${value} is not under a directory the final stage creates, chowns to ${user} and closes (0700)`,
      );
    }
  }
  if (stage.some((line) => /^(COPY|ADD)\s.*--chown/i.test(line)))
    problems.push('the code is copied with --chown');
  const workdir = stage
    .filter((line) => /^WORKDIR\s/i.test(line))
    .at(-1)
    ?.split(/\s+/)[1];
  if (
    workdir &&
    [...owned].some((dir) => workdir === dir || workdir.startsWith(`${dir === '/' ? '' : dir}/`))
  ) {
    problems.push(`WORKDIR ${workdir} is owned by ${user}`);
  }
  return problems;
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
  // Node flags (a measured heap setting) may come between node and the entry point.
  if (!finalStage.some((l) => /^CMD \["node", (?:"--[a-z-]+(?:=[\w.-]+)?", )*"dist\/main\.js"\]$/.test(l))) {
    problems.push('CMD ["node", ...flags, "dist/main.js"]');
  }
  return problems;
}

type Labels = Record<string, string>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
interface NetworkPolicy {
  kind: 'NetworkPolicy';
  metadata: { name: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{ from?: PolicyPeer[]; ports?: PolicyPort[] }>;
    egress?: unknown[];
  };
}
interface PodWorkload {
  name: string;
  labels: Labels;
  ports: Array<{ name?: string; containerPort: number; protocol?: string }>;
}

/** Whether a Kubernetes label selector selects these labels (an empty selector selects everything). */
function selects(selector: LabelSelector, labels: Labels): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key]);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]);
    if (operator === 'Exists') return key in labels;
    return !(key in labels); // DoesNotExist
  });
  return byLabels && byExpressions;
}

/** The policy types in force: without policyTypes, Ingress always and Egress when the policy has egress rules. */
const policyTypesOf = (policy: NetworkPolicy): string[] =>
  policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress ? ['Egress'] : [])];

/**
 * Every rule the NetworkPolicies must meet for the workloads; an empty list means they comply. The gateway must be
 * reachable from anywhere on its ports (or not isolated at all). Every other workload must be isolated for ingress,
 * and every rule admitting traffic to it must name only the gateway's pods, in the same namespace, on exactly its
 * container ports; the gateway must reach each of them. Egress must stay unrestricted (Postgres, Kafka, registry).
 */
function networkPolicyProblems(
  policies: NetworkPolicy[],
  workloads: PodWorkload[],
  gateway: string,
): string[] {
  const problems: string[] = [];
  const gatewayPods = workloads.find((w) => w.name === gateway);
  if (!gatewayPods) return [`no ${gateway} workload`];
  for (const workload of workloads) {
    const { name, labels, ports } = workload;
    const selecting = policies.filter((p) => selects(p.spec.podSelector, labels));
    for (const policy of selecting.filter((p) => policyTypesOf(p).includes('Egress'))) {
      problems.push(`${name}: ${policy.metadata.name} restricts egress`);
    }
    const isolating = selecting.filter((p) => policyTypesOf(p).includes('Ingress'));
    // Policies are additive: what reaches a pod is the union of the ingress rules of every policy selecting it.
    const rules = isolating.flatMap((p) =>
      (p.spec.ingress ?? []).map((rule) => ({ policy: p.metadata.name, rule })),
    );
    const portNumber = (port: PolicyPort) =>
      typeof port.port === 'string' ? ports.find((p) => p.name === port.port)?.containerPort : port.port;
    const admitsPort = (rule: { ports?: PolicyPort[] }, containerPort: number) =>
      !rule.ports?.length ||
      rule.ports.some((p) => portNumber(p) === containerPort && (p.protocol ?? 'TCP') === 'TCP');
    if (name === gateway) {
      if (isolating.length === 0) continue;
      for (const { containerPort } of ports) {
        if (!rules.some(({ rule }) => !rule.from?.length && admitsPort(rule, containerPort))) {
          problems.push(`${name}: locked out of its public port ${containerPort}`);
        }
      }
      continue;
    }
    if (isolating.length === 0) {
      problems.push(`${name}: no NetworkPolicy isolates its ingress`);
      continue;
    }
    for (const { policy, rule } of rules) {
      if (!rule.from?.length) problems.push(`${name}: ${policy} admits any source`);
      for (const peer of rule.from ?? []) {
        if (peer.ipBlock) problems.push(`${name}: ${policy} admits an IP block`);
        // Without a namespace selector a pod selector means this namespace; with one, any namespace whose pods
        // carry the gateway's labels, which anyone who may create pods there can forge.
        if (peer.namespaceSelector) problems.push(`${name}: ${policy} admits pods of other namespaces`);
        if (!peer.podSelector) continue;
        const admitted = workloads
          .filter((w) => selects(peer.podSelector as LabelSelector, w.labels))
          .map((w) => w.name);
        if (admitted.join() !== gateway) {
          problems.push(
            `${name}: ${policy} admits pods other than the ${gateway} (${admitted.join(', ') || 'none'})`,
          );
        }
      }
      if (!rule.ports?.length) problems.push(`${name}: ${policy} admits every port`);
      for (const port of rule.ports ?? []) {
        const number = portNumber(port);
        if (port.endPort !== undefined || !ports.some((p) => p.containerPort === number)) {
          problems.push(
            `${name}: ${policy} admits port ${port.port}${port.endPort ? `-${port.endPort}` : ''}, not its container port`,
          );
        }
      }
    }
    for (const { containerPort } of ports) {
      const reached = rules.some(
        ({ rule }) =>
          admitsPort(rule, containerPort) &&
          (rule.from ?? []).some((peer) => peer.podSelector && selects(peer.podSelector, gatewayPods.labels)),
      );
      if (!reached) problems.push(`${name}: the ${gateway} cannot reach port ${containerPort}`);
    }
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

  it.each(SERVICES)(
    'when %s starts, then it gets INTERNAL_AUTH_TOKEN from the environment, required and without a default',
    (name) => {
      // `${VAR:?message}` makes compose refuse to start without it; a default would be a token everybody knows.
      expect(compose.services[name].environment?.INTERNAL_AUTH_TOKEN).toMatch(
        /^\$\{INTERNAL_AUTH_TOKEN:\?[^}]+\}$/,
      );
    },
  );

  it.each(SERVICES)(
    'when %s runs, then its root filesystem is read-only and its own named volume is on the data directory',
    (name) => {
      const service = compose.services[name];
      const dataDir = envOf(finalStageOf(read(`apps/${name}/Dockerfile`))).get('MCP_HOST_DATA_DIR');
      expect(dataDir).toBeDefined();
      expect(service.read_only).toBe(true);
      expect([service.tmpfs ?? []].flat()).toContain('/tmp');
      const volume = (service.volumes ?? []).find((v) => v.split(':')[1] === dataDir)?.split(':')[0];
      expect(Object.keys(compose.volumes ?? {})).toContain(volume);
      // One volume per service: a shared one would let any service read the gateway's admin token.
      const sharers = SERVICES.filter((other) =>
        (compose.services[other].volumes ?? []).some((v) => v.split(':')[0] === volume),
      );
      expect(sharers).toEqual([name]);
    },
  );

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

  it.each(WRITE_PATHS)(
    'when $service writes $variable, then its final stage points it into a directory it creates for its USER (0700)',
    ({ service, variable }) => {
      expect(writablePathProblems(read(`apps/${service}/Dockerfile`), [variable])).toEqual([]);
    },
  );

  it('when a service config defines a path variable, then the write-path table lists it as written or read', () => {
    const configs = [
      ...SERVICES.flatMap((name) =>
        readdirSync(join(repoRoot, 'apps', name, 'src'), { recursive: true, encoding: 'utf8' })
          .filter((file) => /config\.ts$/.test(file))
          .map((file) => `apps/${name}/src/${file}`),
      ),
      'packages/platform/src/config/config.schema.ts',
    ];
    const variables = configs.flatMap((file) =>
      [
        ...read(file).matchAll(/^\s+([A-Z][A-Z0-9_]*(?:_FILE|_DIR|WORKDIR|DOCKERCONFIG|KUBECONFIG))\s*:/gm),
      ].map((m) => m[1]),
    );
    expect(variables).toEqual(
      expect.arrayContaining(WRITE_PATHS.filter((w) => w.config).map((w) => w.variable)),
    );
    const listed = new Set([...WRITE_PATHS.map((w) => w.variable), ...READ_PATHS]);
    expect(variables.filter((v) => !listed.has(v))).toEqual([]);
    for (const { variable, config } of WRITE_PATHS.filter((w) => w.config)) {
      expect({ variable, defined: read(String(config)).includes(`${variable}:`) }).toEqual({
        variable,
        defined: true,
      });
    }
  });

  it.each([
    [
      'gives the data directory to root',
      (t: string) => t.replace('chown node:node', 'chown root:root'),
      'GATEWAY_ADMIN_TOKEN_FILE=/var/lib/mcp-host/admin-token is not under a directory the final stage creates, chowns to node and closes (0700)',
    ],
    [
      'leaves the data directory open to others',
      (t: string) => t.replace('chmod 0700', 'chmod 0755'),
      'GATEWAY_ADMIN_TOKEN_FILE=/var/lib/mcp-host/admin-token is not under a directory the final stage creates, chowns to node and closes (0700)',
    ],
    [
      'switches to USER node before creating it',
      (t: string) => t.replace('USER node\n', '').replace(/^RUN mkdir/m, 'USER node\nRUN mkdir'),
      'GATEWAY_ADMIN_TOKEN_FILE=/var/lib/mcp-host/admin-token is not under a directory the final stage creates, chowns to node and closes (0700)',
    ],
    [
      'keeps the relative default',
      (t: string) =>
        t.replace(
          'GATEWAY_ADMIN_TOKEN_FILE=/var/lib/mcp-host/admin-token',
          'GATEWAY_ADMIN_TOKEN_FILE=./.mcp-host/admin-token',
        ),
      'GATEWAY_ADMIN_TOKEN_FILE=./.mcp-host/admin-token is not an absolute path',
    ],
    [
      'climbs out of the data directory',
      (t: string) =>
        t.replace(
          'GATEWAY_ADMIN_TOKEN_FILE=/var/lib/mcp-host/admin-token',
          'GATEWAY_ADMIN_TOKEN_FILE=/var/lib/mcp-host/../../../app/admin-token',
        ),
      'GATEWAY_ADMIN_TOKEN_FILE=/var/lib/mcp-host/../../../app/admin-token is not under a directory the final stage creates, chowns to node and closes (0700)',
    ],
    [
      'does not set the variable',
      (t: string) => t.replace(/ \\\n\s*GATEWAY_ADMIN_TOKEN_FILE=\S+/, ''),
      'GATEWAY_ADMIN_TOKEN_FILE is not set in the final stage',
    ],
    [
      'copies the code owned by the runtime user',
      (t: string) => t.replace('COPY --from=build /out/ ./', 'COPY --chown=node:node --from=build /out/ ./'),
      'the code is copied with --chown',
    ],
    [
      'chowns the code directory',
      (t: string) => t.replaceAll('/var/lib/mcp-host', '/app'),
      'WORKDIR /app is owned by node',
    ],
  ] as const)(
    'when the gateway Dockerfile %s, then the write-path rules catch it',
    (_what, mutate, problem) => {
      const good = read('apps/gateway/Dockerfile');
      const bad = mutate(good);
      expect(bad).not.toBe(good);
      expect(writablePathProblems(good, ['GATEWAY_ADMIN_TOKEN_FILE', 'MCP_HOST_DATA_DIR'])).toEqual([]);
      expect(writablePathProblems(bad, ['GATEWAY_ADMIN_TOKEN_FILE', 'MCP_HOST_DATA_DIR'])).toContain(problem);
    },
  );

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

  it.each(SERVICES)('when %s runs in a pod, then it gets INTERNAL_AUTH_TOKEN from the Secret', (name) => {
    const env = find('Deployment', name)?.spec.template.spec.containers[0].env as Array<{ name: string }>;
    expect(env.find((e) => e.name === 'INTERNAL_AUTH_TOKEN')).toEqual({
      name: 'INTERNAL_AUTH_TOKEN',
      valueFrom: { secretKeyRef: { name: 'mcp-host-secrets', key: 'internal-auth-token' } },
    });
  });

  it('when a pod reads a Secret key, then the example Secret shows that key', () => {
    const example = parse(readFileSync(join(dir, 'secret.example.yaml'), 'utf8')) as {
      metadata: { name: string };
      stringData: Record<string, string>;
    };
    const refs = SERVICES.flatMap((name) =>
      (find('Deployment', name)?.spec.template.spec.containers[0].env ?? [])
        .map(
          (e: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }) => e.valueFrom?.secretKeyRef,
        )
        .filter(Boolean),
    ) as Array<{ name: string; key: string }>;
    expect(refs.map((r) => r.key)).toEqual(expect.arrayContaining(['DATABASE_URL', 'internal-auth-token']));
    for (const ref of refs) {
      expect(ref.name).toBe(example.metadata.name);
      expect(Object.keys(example.stringData)).toContain(ref.key);
    }
  });

  it.each(SERVICES)(
    'when %s runs on a read-only root filesystem, then its data directory and /tmp are emptyDir mounts',
    (name) => {
      const pod = find('Deployment', name)?.spec.template.spec;
      const container = pod.containers[0];
      const dataDir = envOf(finalStageOf(read(`apps/${name}/Dockerfile`))).get('MCP_HOST_DATA_DIR');
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
      for (const path of [dataDir, '/tmp']) {
        const mount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === path);
        const volume = pod.volumes.find((v: { name: string }) => v.name === mount?.name);
        expect({ path, emptyDir: volume?.emptyDir }).toEqual({ path, emptyDir: {} });
        expect(mount.readOnly).toBeUndefined();
      }
    },
  );

  describe('NetworkPolicy', () => {
    const policies = manifests.filter((m) => m.kind === 'NetworkPolicy') as unknown as NetworkPolicy[];
    const workloads: PodWorkload[] = manifests
      .filter((m) => m.kind === 'Deployment')
      .map((m) => ({
        name: m.metadata.name,
        labels: m.spec.template.metadata.labels,
        ports: m.spec.template.spec.containers.flatMap(
          (c: { ports?: PodWorkload['ports'] }) => c.ports ?? [],
        ),
      }));

    it('when the directory is applied, then the policies hold for every Deployment', () => {
      expect(workloads.map((w) => w.name).sort()).toEqual([...SERVICES].sort());
      expect(networkPolicyProblems(policies, workloads, 'gateway')).toEqual([]);
    });

    it.each(SERVICES.filter((s) => s !== 'gateway'))(
      'when a pod calls %s, then only the gateway pods get in, on exactly its container port',
      (name) => {
        const workload = workloads.find((w) => w.name === name) as PodWorkload;
        const selecting = policies.filter((p) => selects(p.spec.podSelector, workload.labels));
        expect(selecting.length).toBeGreaterThan(0);
        const rules = selecting.flatMap((p) => p.spec.ingress ?? []);
        expect(rules).toEqual([
          {
            from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }],
            ports: workload.ports.map((p) => ({ protocol: 'TCP', port: p.containerPort })),
          },
        ]);
      },
    );

    it('when a client calls the gateway, then its public port is open to any source', () => {
      const gateway = workloads.find((w) => w.name === 'gateway') as PodWorkload;
      const rules = policies
        .filter((p) => selects(p.spec.podSelector, gateway.labels))
        .flatMap((p) => p.spec.ingress ?? []);
      expect(rules).toContainEqual({ ports: [{ protocol: 'TCP', port: gateway.ports[0].containerPort }] });
    });

    it.each([
      [
        'admits every pod of the namespace',
        'build-service-ingress',
        (p: NetworkPolicy) => {
          p.spec.ingress = [{ ...p.spec.ingress?.[0], from: [{ podSelector: {} }] }];
        },
        'build-service: build-service-ingress admits pods other than the gateway (gateway, build-service, policy-engine, governance, marketplace)',
      ],
      [
        'admits the mcp-host pods by part-of',
        'governance-ingress',
        (p: NetworkPolicy) => {
          p.spec.ingress = [
            {
              ...p.spec.ingress?.[0],
              from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'mcp-host' } } }],
            },
          ];
        },
        'governance: governance-ingress admits pods other than the gateway (gateway, build-service, policy-engine, governance, marketplace)',
      ],
      [
        'names the wrong port',
        'policy-engine-ingress',
        (p: NetworkPolicy) => {
          p.spec.ingress = [{ ...p.spec.ingress?.[0], ports: [{ protocol: 'TCP', port: 8080 }] }];
        },
        'policy-engine: policy-engine-ingress admits port 8080, not its container port',
      ],
      [
        'admits any source',
        'marketplace-ingress',
        (p: NetworkPolicy) => {
          p.spec.ingress = [{ ports: p.spec.ingress?.[0].ports }];
        },
        'marketplace: marketplace-ingress admits any source',
      ],
      [
        'admits gateway-labelled pods of any namespace',
        'governance-ingress',
        (p: NetworkPolicy) => {
          p.spec.ingress = [
            {
              ...p.spec.ingress?.[0],
              from: [
                {
                  namespaceSelector: {},
                  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } },
                },
              ],
            },
          ];
        },
        'governance: governance-ingress admits pods of other namespaces',
      ],
      [
        'selects a label nobody has',
        'build-service-ingress',
        (p: NetworkPolicy) => {
          p.spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'builder' } };
        },
        'build-service: no NetworkPolicy isolates its ingress',
      ],
      [
        'denies the gateway too',
        'marketplace-ingress',
        (p: NetworkPolicy) => {
          p.spec.ingress = [];
        },
        'marketplace: the gateway cannot reach port 3000',
      ],
      [
        'restricts egress',
        'policy-engine-ingress',
        (p: NetworkPolicy) => {
          p.spec.policyTypes = ['Ingress', 'Egress'];
        },
        'policy-engine: policy-engine-ingress restricts egress',
      ],
      [
        'locks the gateway out',
        'gateway-ingress',
        (p: NetworkPolicy) => {
          p.spec.ingress = [
            {
              ...p.spec.ingress?.[0],
              from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }],
            },
          ];
        },
        'gateway: locked out of its public port 3000',
      ],
    ] as const)(
      'when a policy %s, then the NetworkPolicy rules catch it',
      (_what, target, mutate, problem) => {
        const mutated = structuredClone(policies);
        const policy = mutated.find((p) => p.metadata.name === target);
        expect(policy).toBeDefined();
        mutate(policy as NetworkPolicy);
        expect(networkPolicyProblems(mutated, workloads, 'gateway')).toContain(problem);
      },
    );
  });

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
