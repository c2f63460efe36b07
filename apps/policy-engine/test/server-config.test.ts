// A server's runtime config: catalog or artifact image, transport, port, resources, env with secret references only,
// and the tools from the manifest discovered after a launch or learnt from the gateway's audit of forwarded tool calls
// (a denied call teaches nothing).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Server, ServerConfig } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import {
  createTestDatabase,
  publishTestEvent,
  startTestKafka,
  waitFor,
  type TestDatabase,
  type TestKafka,
} from '@mcp-host/platform/testing';
import { DataSource } from 'typeorm';
import { PolicyEngineModule } from '../src';
import { ToolManifestRepository } from '../src/tools/tool-manifest.repository';

type ApiBody = ServerConfig & Server & { id: string; error: { code: string } };

describe('server config', () => {
  let db: TestDatabase;
  let kafka: TestKafka;
  let service: ServiceApp;
  let url: string;
  let ds: DataSource;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as ApiBody) : undefined };
  };
  const inInbox = async (id: string) =>
    ((await ds.query('SELECT 1 FROM inbox WHERE event_id = $1', [id])) as unknown[]).length > 0;
  const toolCall = (
    serverId: string,
    tool: string,
    result: 'forwarded' | 'denied',
    status: number | null,
  ) => ({
    call_id: randomUUID(),
    server_id: serverId,
    tool,
    subject: 'ops',
    token_id: null,
    session_id: null,
    decision: result === 'denied' ? ('deny' as const) : ('allow' as const),
    rule: 'default:allow',
    arguments_sha256: 'ab',
    upstream_status: status,
    result,
    latency_ms: 3,
    called_at: new Date().toISOString(),
  });

  beforeAll(async () => {
    db = await createTestDatabase('policy_server_config');
    kafka = await startTestKafka();
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: kafka.brokers.join(','),
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '100',
          RUNTIME_DEFAULT_IMAGES: 'Router=localhost/mcp-host/router:latest',
          RUNTIME_MEMORY_MB: '512',
          PROVIDER_KEYS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
    ds = service.app.get(DataSource);
  });

  afterAll(async () => {
    await service.close();
    await kafka.stop();
    await db.drop();
  });

  it('when the server is unknown or the id malformed, then 404 or 400', async () => {
    const missing = await call('GET', `/api/servers/${randomUUID()}/config`);
    expect(missing.status).toBe(404);
    expect(missing.body?.error.code).toBe('SERVER_NOT_FOUND');
    expect((await call('GET', '/api/servers/x/config')).status).toBe(400);
  });

  it('when a server has only a catalog image, then the config names it with the runtime transport and limits', async () => {
    const { body: server } = await call('POST', '/api/servers', {
      name: 'catalog-only',
      server_type: 'Router',
    });
    const res = await call('GET', `/api/servers/${server!.id}/config`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      server_id: server!.id,
      name: 'catalog-only',
      server_type: 'Router',
      image: 'localhost/mcp-host/router:latest',
      image_source: 'catalog',
      transport: 'streamable-http',
      port: 8080,
      path: '/mcp',
      env: [
        { name: 'PORT', value: '8080' },
        { name: 'MCP_PORT', value: '8080' },
        { name: 'MCP_PATH', value: '/mcp' },
      ],
      resources: { memory_mb: 512, cpu_millicores: 500, pids_limit: 128, user: '10001:10001' },
      tools: null,
    });
  });

  it('when a key is bound, an artifact recorded and tools called, then the config has the secret reference, the digest and the tools', async () => {
    const { body: server } = await call('POST', '/api/servers', { name: 'weather', server_type: 'Other' });
    const id = server!.id;
    const material = `sk-${randomBytes(16).toString('hex')}`;
    const bundle = randomBytes(32);
    const { body: key } = await call('POST', '/api/providers/azure-openai/keys', {
      attestation_digest: `sha256:${createHash('sha256').update(bundle).digest('hex')}`,
      attestation_signature: bundle.toString('base64'),
      secret_material: material,
    });
    await call('POST', `/api/providers/azure-openai/keys/${key!.id}/bindings`, {
      binding_type: 'server',
      binding_target: id,
    });
    const digest = `sha256:${'c'.repeat(64)}`;
    const at = new Date().toISOString();
    await publishTestEvent(kafka.brokers, 'artifact.recorded', {
      id: randomUUID(),
      server_id: id,
      build_id: null,
      source_repo: 'https://example.test/w.git',
      source_branch: 'main',
      source_revision: null,
      local_image: 'local/w:1',
      registry_image: '127.0.0.1:5000/mcp/weather:1',
      manifest_tag: '1',
      manifest_digest: digest,
      started_at: at,
      completed_at: at,
      multi_arch: false,
      auth_refresh_attempted: false,
      auth_refresh_succeeded: false,
      auth_rotation_attempted: false,
      auth_rotation_succeeded: false,
      credential_health_status: 'healthy',
      status: 'succeeded',
      platforms: [],
    });
    await publishTestEvent(kafka.brokers, 'mcp.tool.called', toolCall(id, 'get_forecast', 'forwarded', 200));
    const first = await publishTestEvent(
      kafka.brokers,
      'mcp.tool.called',
      toolCall(id, 'get_alerts', 'forwarded', 200),
    );
    await publishTestEvent(kafka.brokers, 'mcp.tool.called', toolCall(id, 'get_alerts', 'forwarded', 200), {
      id: first,
    });
    const denied = await publishTestEvent(
      kafka.brokers,
      'mcp.tool.called',
      toolCall(id, 'drop_tables', 'denied', null),
    );
    await waitFor(() => inInbox(denied), { what: 'the denied call, published last' });

    const config = await waitFor(
      async () => {
        const b = (await call('GET', `/api/servers/${id}/config`)).body!;
        return b.image_source === 'artifact' ? b : undefined;
      },
      { what: 'the artifact projection' },
    );
    expect(config.image).toBe(`127.0.0.1:5000/mcp/weather@${digest}`);
    expect(config.tools).toEqual(['get_alerts', 'get_forecast']);
    expect(config.env).toContainEqual({
      name: 'AZURE_OPENAI_API_KEY',
      secret_ref: `provider-key://azure-openai/${key!.id}`,
    });
    expect(JSON.stringify(config)).not.toContain(material);
  });

  it('when a launch discovered the server’s manifest, then the config lists its tools before any call', async () => {
    const { body: server } = await call('POST', '/api/servers', {
      name: 'discovered',
      server_type: 'Router',
    });
    const now = new Date();
    const entry = (name: string) => ({
      name,
      description_sha256: createHash('sha256').update(name).digest('hex'),
      input_schema_sha256: createHash('sha256').update('{}').digest('hex'),
      annotations: null,
    });
    // What the tool watcher records after a launch's tools/list (its own table, through its own repository).
    await service.app.get(DataSource).transaction((m) =>
      service.app.get(ToolManifestRepository).upsert(m, {
        server_id: server!.id,
        artifact_run_id: null,
        endpoint: 'http://127.0.0.1:1/mcp',
        digest: 'sha256:' + 'a'.repeat(64),
        tools: [entry('get_forecast'), entry('get_alerts')],
        certified_digest: null,
        drifted: false,
        changed: [],
        blocked_tools: [],
        discovered_at: now,
        refreshed_at: now,
      }),
    );
    const config = (await call('GET', `/api/servers/${server!.id}/config`)).body!;
    expect(config.tools).toEqual(['get_alerts', 'get_forecast']);
  });
});
