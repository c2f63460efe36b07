// GET /api/docs documents the MCP door too: /mcp/{server} (POST, GET, DELETE with the MCP headers and the bearer
// token) and its RFC 9728 protected-resource metadata, in the JSON document and on the HTML page.
import { apiDocs } from '../src/docs/api-docs';

type Operation = {
  operationId: string;
  'x-required-role': string;
  parameters: { name: string; in: string; required: boolean }[];
  responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
  security?: unknown[];
  requestBody?: { content: Record<string, unknown> };
};

const doc = JSON.parse(apiDocs().json) as {
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

describe('the MCP door in the OpenAPI document', () => {
  it('when /mcp/{server} is documented, then POST, GET and DELETE carry the session, protocol and stateless headers', () => {
    const door = doc.paths['/mcp/{server}'];
    expect(Object.keys(door).sort()).toEqual(['delete', 'get', 'post']);
    const headers = (op: Operation) => op.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers(door.post)).toEqual(['MCP-Session-Id', 'MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name']);
    expect(headers(door.get)).toEqual(['MCP-Session-Id', 'MCP-Protocol-Version', 'Last-Event-ID']);
    expect(headers(door.delete)).toEqual(['MCP-Session-Id', 'MCP-Protocol-Version']);
    expect(door.delete.parameters.find((p) => p.name === 'MCP-Session-Id')?.required).toBe(true);
    for (const op of Object.values(door)) {
      expect(op.parameters[0]).toMatchObject({ name: 'server', in: 'path', required: true });
      expect(op['x-required-role']).toBe('operator');
      // The document-wide bearer requirement applies; 401 names the protected-resource metadata.
      expect(op.security).toBeUndefined();
      expect(op.responses['401'].headers).toHaveProperty('WWW-Authenticate');
    }
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(door.post.responses['200'].content ?? {})).toEqual([
      'application/json',
      'text/event-stream',
    ]);
    expect(door.post.requestBody?.content).toHaveProperty('application/json');
    expect(doc.components.schemas).toHaveProperty('JsonRpcMessage');
  });

  it('when the protected-resource metadata is documented, then it is public and describes the RFC 9728 fields', () => {
    const meta = doc.paths['/.well-known/oauth-protected-resource/mcp/{server}'].get;
    expect(meta.security).toEqual([]);
    const schema = (meta.responses['200'].content?.['application/json'] as { schema: { required: string[] } })
      .schema;
    expect(schema.required).toEqual(['resource', 'authorization_servers', 'bearer_methods_supported']);
  });

  it('when the HTML page is rendered, then it lists the door and its headers', () => {
    const html = apiDocs().html;
    expect(html).toContain('/mcp/{server}');
    expect(html).toContain('/.well-known/oauth-protected-resource/mcp/{server}');
    expect(html).toContain('Mcp-Method');
    expect(html).toContain('(header)');
  });
});
