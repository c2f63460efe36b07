// The gateway route table: matching, precedence, traversal refusal and table hygiene.
import {
  allowedMethods,
  matchRoute,
  ROUTE_PREFIXES,
  ROUTES,
  serviceForPrefix,
  SERVICE_NAMES,
  topicByName,
} from '../src';

describe('route table', () => {
  it('when a path has a parameter, then matchRoute returns it decoded', () => {
    const match = matchRoute('GET', '/api/servers/abc-123');
    expect(match?.route.path).toBe('/api/servers/:id');
    expect(match?.route.service).toBe('policy-engine');
    expect(match?.params).toEqual({ id: 'abc-123' });
    expect(matchRoute('GET', '/api/providers/openai/keys/k%201/bindings')?.params).toEqual({
      providerId: 'openai',
      keyId: 'k 1',
    });
  });

  it('when the method differs, then the route does not match and allowedMethods lists the declared ones', () => {
    expect(matchRoute('PUT', '/api/servers/abc')).toBeUndefined();
    expect(matchRoute('patch', '/api/servers/abc')?.route.method).toBe('PATCH');
    expect(allowedMethods('/api/servers/abc')).toEqual(['GET', 'PATCH', 'DELETE']);
    expect(allowedMethods('/api/nowhere')).toEqual([]);
  });

  it('when a literal and a parameter both fit, then the literal route wins', () => {
    expect(matchRoute('GET', '/api/promotions/history')?.route.path).toBe('/api/promotions/history');
    expect(matchRoute('GET', '/api/promotions/p-1')?.route.path).toBe('/api/promotions/:id');
    expect(matchRoute('GET', '/api/providers/p/keys/stream')?.route.stream).toBeDefined();
  });

  it('when evaluations hang under an artifact, then the most specific route sends them to marketplace', () => {
    expect(matchRoute('GET', '/api/artifacts/r1')?.route.service).toBe('build-service');
    expect(matchRoute('POST', '/api/artifacts/r1/evaluations')?.route.service).toBe('marketplace');
    expect(matchRoute('POST', '/api/servers/s1/builds')?.route.service).toBe('build-service');
  });

  it.each([
    '/api/servers/..',
    '/api/servers/../tokens',
    '/api/servers/%2e%2e',
    '/api/servers/%2E%2E/vm',
    '/api/servers/.',
    '/api/servers/a%2fb',
    '/api/servers/a%2Fb',
    '/api/servers/a%5cb',
    '/api/servers/%252e%252e',
    '/api/servers//vm',
    '/api/servers/%00',
    '/api/servers/%E0%A4%A',
    'api/servers',
  ])('when the path is %s, then no route matches', (path) => {
    expect(matchRoute('GET', path)).toBeUndefined();
  });

  it('when a query string is attached, then it is ignored for matching', () => {
    expect(matchRoute('GET', '/api/servers?limit=5')?.route.path).toBe('/api/servers');
  });

  it('when paths differ only by extra or missing segments, then they do not match', () => {
    expect(matchRoute('GET', '/api/servers/a/b/c/d')).toBeUndefined();
    expect(matchRoute('GET', '/api')).toBeUndefined();
  });

  it('when routes are declared, then each service is a SERVICE_NAMES member', () => {
    for (const route of ROUTES) expect(SERVICE_NAMES).toContain(route.service);
    for (const prefix of ROUTE_PREFIXES) expect(SERVICE_NAMES).toContain(prefix.service);
  });

  it('when routes are declared, then no two share a method and shape', () => {
    const shapes = ROUTES.map((r) => `${r.method} ${r.path.replace(/:[A-Za-z]+/g, ':')}`);
    expect(new Set(shapes).size).toBe(shapes.length);
  });

  it('when routes are declared, then reads need viewer (the audit trail operator), tokens need admin and mutations at least operator', () => {
    for (const route of ROUTES) {
      if (route.path === '/api/tokens/me') expect(route.role).toBe('viewer');
      else if (route.path.startsWith('/api/tokens')) expect(route.role).toBe('admin');
      // The audit trail shows every subject's tool calls and their arguments, so a viewer token does not read it.
      else if (route.path.startsWith('/api/audit')) expect(route.role).toBe('operator');
      else if (route.method === 'GET') expect(['viewer', 'admin']).toContain(route.role);
      else expect(['operator', 'admin']).toContain(route.role);
    }
  });

  it('when a route streams, then it is a GET on a registered, watchable topic', () => {
    const streams = ROUTES.filter((r) => r.stream !== undefined);
    expect(streams.length).toBeGreaterThanOrEqual(8);
    for (const route of streams) {
      expect(route.method).toBe('GET');
      expect(topicByName(route.stream?.topic ?? '')?.watchable).toBe(true);
    }
  });

  it('when a route path is declared, then it lives under /api and has a matching prefix owner', () => {
    for (const route of ROUTES) {
      expect(route.path.startsWith('/api/')).toBe(true);
      expect(serviceForPrefix(route.path.replace(/:[A-Za-z]+/g, 'x'))).toBeDefined();
      expect(matchRoute(route.method, route.path.replace(/:[A-Za-z]+/g, 'x'))?.route).toBe(route);
    }
  });

  it('when the caller asks who it is, then /api/tokens/me wins over the token id route and needs only viewer', () => {
    expect(matchRoute('GET', '/api/tokens/me')?.route.role).toBe('viewer');
    expect(matchRoute('DELETE', '/api/tokens/me')?.params).toEqual({ id: 'me' });
  });

  it('when a prefix is looked up, then the longest segment-aligned prefix wins', () => {
    expect(serviceForPrefix('/api/servers/1/builds')).toBe('policy-engine');
    expect(serviceForPrefix('/api/serversx')).toBeUndefined();
    expect(serviceForPrefix('/api/tokens')).toBe('gateway');
  });
});
