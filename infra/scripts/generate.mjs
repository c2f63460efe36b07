#!/usr/bin/env node
// Writes the per-service deployment files from one template each, so the five services cannot drift apart:
// apps/<name>/Dockerfile, infra/kubernetes/<name>.yaml and infra/kubernetes/network-policy.yaml. `--check` writes nothing and exits 1 when a committed
// file differs from what this script would write (the infra test runs it that way).
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SERVICES = ['gateway', 'build-service', 'policy-engine', 'governance', 'marketplace'];
const NODE_IMAGE = 'node:20-bookworm-slim';
const PNPM_VERSION = '9.15.9';
const PORT = 3000;
// Debian packages a service's runtime image needs beyond Node: build-service clones sources with git.
const RUNTIME_PACKAGES = { 'build-service': ['git', 'ca-certificates'] };
// Node flags a service's image runs it with, each one measured (bench/marketplace, which runs the service with its
// image's flags; BENCH_TIMELINE=1 lines slow answers up with the service's collections). The marketplace reads and
// writes about 300 KiB per catalog page; at 500 pages a second on Node's defaults a full collection ran every 0.3-2 s,
// each followed by a burst of 20-60 ms answers. A larger young generation (32 MB semi-spaces, not 16) keeps in-flight
// pages from being promoted. A fixed old-generation growing factor of 4 (1 + 300%) keeps the next full collection far
// from the live size: V8's own factor (about 1.9 here) with a 32 MB young generation started marking as soon as the
// last collection ended. Together: no full collection in 10 s at 500 pages a second, p99 4.4-4.9 ms on the pages that
// missed 15 ms; the old generation may grow to about four times what is live (about 200 MB) before it is collected.
const NODE_FLAGS = { marketplace: ['--max-semi-space-size=32', '--heap-growing-percent=300'] };
// The runtime user of every image (uid 1000 in the node images) and the one directory it may write. /app holds the
// code owned by root, so everything a service writes must be pointed here; the compose file mounts a named volume
// and the Kubernetes manifests an emptyDir on it, so a read-only root filesystem still works.
const RUNTIME_USER = 'node';
const DATA_DIR = '/var/lib/mcp-host';
// The variables naming what each service writes, relative to DATA_DIR. Their defaults would land in /app (the
// gateway's ./.mcp-host/admin-token), under /run (policy-engine's VM sockets) or in the OS temp dir (build-service's
// work dir, wiped by a restart and shared with anything else in /tmp). MCP_HOST_DATA_DIR is set in every image
// so the data directory has one name everywhere; build-service derives its BUILD_WORKDIR default from it.
const WRITE_PATHS = {
  gateway: { GATEWAY_ADMIN_TOKEN_FILE: 'admin-token' },
  'build-service': { BUILD_WORKDIR: 'builds' },
  // A sibling of the default VM_KERNEL_IMAGE and VM_ROOTFS_DIR location (/var/lib/mcp-host/vm), not inside it: those
  // are read, and an operator who mounts them read-only at /var/lib/mcp-host/vm must not hide the sockets.
  'policy-engine': { VM_SOCKET_DIR: 'vm-sockets' },
};

// The key of the mcp-host-secrets Secret holding INTERNAL_AUTH_TOKEN, which all five services get.
const INTERNAL_TOKEN_SECRET_KEY = 'internal-auth-token';

// Service-specific environment beyond the shared ConfigMap and Secret (Kubernetes) or x-service-env (compose).
const K8S_EXTRA_ENV = {
  gateway: [
    { name: 'REDIS_URL', secretKey: 'REDIS_URL' },
    ...SERVICES.filter((s) => s !== 'gateway').map((s) => ({
      name: `GATEWAY_UPSTREAM_${s.toUpperCase().replace(/-/g, '_')}`,
      value: `http://${s}:${PORT}`,
    })),
  ],
  'build-service': [
    { name: 'REGISTRY_URL', configKey: 'REGISTRY_URL' },
    { name: 'DOCKER_HOST', configKey: 'DOCKER_HOST' },
  ],
};

/** Workspace package directories from pnpm-workspace.yaml, so the Dockerfiles copy every manifest the lockfile knows. */
function workspaceDirs() {
  const patterns = [
    ...readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8').matchAll(
      /^\s*-\s*['"]?([^'"\s]+)['"]?\s*$/gm,
    ),
  ].map((m) => m[1]);
  const dirs = patterns.flatMap((p) => {
    if (!p.endsWith('/*')) return [p];
    const parent = p.slice(0, -2);
    return readdirSync(join(repoRoot, parent), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${parent}/${e.name}`);
  });
  return dirs.filter((d) => existsSync(join(repoRoot, d, 'package.json'))).sort();
}

/** ENV line with the data directory and the service's write paths under it. */
function writePathEnv(name) {
  const vars = { MCP_HOST_DATA_DIR: DATA_DIR };
  for (const [variable, sub] of Object.entries(WRITE_PATHS[name] ?? {}))
    vars[variable] = `${DATA_DIR}/${sub}`;
  return `ENV ${Object.entries(vars)
    .map(([k, v]) => `${k}=${v}`)
    .join(' \\\n    ')}`;
}

function dockerfile(name, manifests) {
  const pkg = `@mcp-host/${name}`;
  const healthz = `fetch('http://127.0.0.1:'+(process.env.BIND_PORT||${PORT})+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))`;
  return `# syntax=docker/dockerfile:1
# ${pkg}: generated by infra/scripts/generate.mjs from one template shared by all five services; edit the
# template there and run \`pnpm --filter @mcp-host/infra generate\`. Build context: the repository root.
#   docker build -f apps/${name}/Dockerfile -t mcp-host/${name}:local .

ARG NODE_IMAGE=${NODE_IMAGE}

FROM \${NODE_IMAGE} AS build
# pnpm is pinned with npm rather than corepack: corepack builds bundled with older Node 20 images reject the
# npm registry's rotated signing keys.
RUN npm install -g pnpm@${PNPM_VERSION} && npm cache clean --force
ENV CI=true TURBO_TELEMETRY_DISABLED=1
WORKDIR /repo

# Lockfile and every workspace manifest first: this layer stays cached until a dependency changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
${manifests.map((d) => `COPY ${d}/package.json ${d}/`).join('\n')}
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \\
    pnpm install --frozen-lockfile --filter "${pkg}..." --filter mcp-host

COPY turbo.json tsconfig.base.json ./
COPY packages/ packages/
COPY apps/${name}/ apps/${name}/
RUN pnpm turbo run build --filter "${pkg}..."
# Copies the package (its "files": dist) with only production dependencies; workspace dependencies are copied
# in as packages too, each with its own built dist.
RUN --mount=type=cache,id=pnpm-store,target=/root/.local/share/pnpm/store \\
    pnpm deploy --filter ${pkg} --prod /out

FROM \${NODE_IMAGE} AS runtime
${runtimePackages(name)}ENV NODE_ENV=production BIND_ADDRESS=0.0.0.0 BIND_PORT=${PORT}
# The only directory the service writes, owned by the runtime user and closed to everyone else (0700). It is
# created here, as root and before USER, because the runtime user may not create anything under /var/lib itself.
RUN mkdir -p ${DATA_DIR} && chown ${RUNTIME_USER}:${RUNTIME_USER} ${DATA_DIR} && chmod 0700 ${DATA_DIR}
${writePathEnv(name)}
WORKDIR /app
# Owned by root and only readable by the runtime user: the process cannot rewrite its own code.
COPY --from=build /out/ ./
USER ${RUNTIME_USER}
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \\
    CMD ["node", "-e", "${healthz}"]
CMD ${JSON.stringify(['node', ...(NODE_FLAGS[name] ?? []), 'dist/main.js']).replace(/","/g, '", "')}
`;
}

function runtimePackages(name) {
  const pkgs = RUNTIME_PACKAGES[name];
  if (!pkgs) return '';
  return `RUN apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')} \\
    && rm -rf /var/lib/apt/lists/*
`;
}

function envLines(entries) {
  return entries
    .map((e) => {
      if (e.value !== undefined) return `            - name: ${e.name}\n              value: '${e.value}'`;
      const [kind, ref, key] = e.secretKey
        ? ['secretKeyRef', 'mcp-host-secrets', e.secretKey]
        : ['configMapKeyRef', 'mcp-host-config', e.configKey];
      return `            - name: ${e.name}\n              valueFrom:\n                ${kind}:\n                  name: ${ref}\n                  key: ${key}`;
    })
    .join('\n');
}

function kubernetesManifest(name) {
  const extra = K8S_EXTRA_ENV[name] ?? [];
  const probe = (path, extraLines) =>
    [`            httpGet:`, `              path: ${path}`, `              port: http`, ...extraLines].join(
      '\n',
    );
  return `# ${name}: generated by infra/scripts/generate.mjs (one template for all five services).
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app.kubernetes.io/name: ${name}, app.kubernetes.io/part-of: mcp-host }
spec:
  replicas: 1
  selector:
    matchLabels: { app.kubernetes.io/name: ${name} }
  template:
    metadata:
      labels: { app.kubernetes.io/name: ${name}, app.kubernetes.io/part-of: mcp-host }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 }
      containers:
        - name: ${name}
          image: mcp-host/${name}:local
          ports:
            - { name: http, containerPort: ${PORT} }
          envFrom:
            - configMapRef: { name: mcp-host-config }
          env:
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: mcp-host-secrets
                  key: DATABASE_URL
            # The gateway sends this shared secret with every forwarded request and the services refuse requests
            # without it, so a pod that gets past the NetworkPolicy still cannot pose as the gateway.
            - name: INTERNAL_AUTH_TOKEN
              valueFrom:
                secretKeyRef:
                  name: mcp-host-secrets
                  key: ${INTERNAL_TOKEN_SECRET_KEY}
${extra.length ? envLines(extra) + '\n' : ''}          readinessProbe:
${probe('/readyz', ['            periodSeconds: 10', '            failureThreshold: 3'])}
          livenessProbe:
${probe('/healthz', ['            initialDelaySeconds: 30', '            periodSeconds: 15', '            failureThreshold: 4'])}
          resources:
            requests: { cpu: 100m, memory: 256Mi }
            limits: { memory: 512Mi }
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true }
          volumeMounts:
            - { name: tmp, mountPath: /tmp }
            # The image's data directory (its write paths point here); the root filesystem is read-only.
            - { name: data, mountPath: ${DATA_DIR} }
      volumes:
        - { name: tmp, emptyDir: {} }
        - { name: data, emptyDir: {} }
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels: { app.kubernetes.io/name: ${name}, app.kubernetes.io/part-of: mcp-host }
spec:
  selector: { app.kubernetes.io/name: ${name} }
  ports:
    - { name: http, port: ${PORT}, targetPort: http }
`;
}

/**
 * Ingress rules for the pods of the five services. Only the gateway answers clients; the four others answer only the
 * gateway, on their HTTP port, so a compromised or stray pod in the namespace cannot call them directly (it would
 * still lack the internal token, but the network is the first wall). Egress stays open: the services reach Postgres,
 * Kafka, Redis, the registry and a container engine wherever the operator runs them. Kubelet probes come from the
 * node, which NetworkPolicy always lets through. Peers are pod selectors without a namespace selector, so they
 * match only pods in this namespace: a gateway-labelled pod in another namespace gets nothing.
 */
function networkPolicies() {
  const header = `# Generated by infra/scripts/generate.mjs: the gateway is open on its HTTP port; every other service accepts
# only the gateway's pods, on its HTTP port. Egress is not restricted. Policies are additive: to let a Prometheus in
# another namespace scrape /metrics, add a policy of your own rather than editing these.
`;
  const gateway = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: gateway-ingress
  labels: { app.kubernetes.io/name: gateway, app.kubernetes.io/part-of: mcp-host }
spec:
  podSelector:
    matchLabels: { app.kubernetes.io/name: gateway }
  policyTypes: [Ingress]
  ingress:
    # No "from": any source, as the gateway is the public entry point (behind your Ingress or LoadBalancer).
    - ports:
        - { protocol: TCP, port: ${PORT} }
`;
  const internal = SERVICES.filter((s) => s !== 'gateway').map(
    (name) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}-ingress
  labels: { app.kubernetes.io/name: ${name}, app.kubernetes.io/part-of: mcp-host }
spec:
  podSelector:
    matchLabels: { app.kubernetes.io/name: ${name} }
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels: { app.kubernetes.io/name: gateway }
      ports:
        - { protocol: TCP, port: ${PORT} }
`,
  );
  return header + [gateway, ...internal].join('---\n');
}

export function expectedFiles() {
  const manifests = workspaceDirs();
  const files = new Map();
  for (const name of SERVICES) {
    files.set(join(repoRoot, 'apps', name, 'Dockerfile'), dockerfile(name, manifests));
    files.set(join(repoRoot, 'infra', 'kubernetes', `${name}.yaml`), kubernetesManifest(name));
  }
  files.set(join(repoRoot, 'infra', 'kubernetes', 'network-policy.yaml'), networkPolicies());
  return files;
}

const check = process.argv.includes('--check');
const stale = [];
for (const [path, content] of expectedFiles()) {
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === content) continue;
  if (check) stale.push(relative(repoRoot, path));
  else writeFileSync(path, content);
}
if (stale.length > 0) {
  console.error(`out of date (run \`node infra/scripts/generate.mjs\`): ${stale.join(', ')}`);
  process.exit(1);
}
