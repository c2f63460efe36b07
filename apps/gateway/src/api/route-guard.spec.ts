import { ROUTES, type RouteDefinition } from '@mcp-host/contracts';
import { LOCAL_HANDLERS } from './api-router';
import { assertRoutesGuarded } from './route-guard';

describe('assertRoutesGuarded', () => {
  it('when every handler, prefix and stream is declared, then the start goes on', () => {
    expect(() => assertRoutesGuarded(LOCAL_HANDLERS)).not.toThrow();
  });

  it('when the gateway handles a path that ROUTES does not declare, then the start is refused in one line', () => {
    expect(() => assertRoutesGuarded([...LOCAL_HANDLERS, 'GET /api/secret'])).toThrow(
      /^Refusing to start: the gateway handles GET \/api\/secret, which is not declared in ROUTES$/,
    );
  });

  it('when a forwarded prefix has no declared route, then the start is refused', () => {
    expect(() =>
      assertRoutesGuarded(LOCAL_HANDLERS, ROUTES, [{ prefix: '/api/internal', service: 'governance' }]),
    ).toThrow(/prefix \/api\/internal forwards to governance but no route under it is declared/);
  });

  it('when a gateway route has no handler or a route has no valid role, then the start is refused', () => {
    const extra: RouteDefinition = {
      method: 'GET',
      path: '/api/extra',
      service: 'gateway',
      role: 'viewer',
      description: '',
    };
    expect(() => assertRoutesGuarded(LOCAL_HANDLERS, [...ROUTES, extra])).toThrow(
      /GET \/api\/extra is declared for the gateway/,
    );
    const roleless = { ...ROUTES[10], role: undefined } as unknown as RouteDefinition;
    expect(() =>
      assertRoutesGuarded(LOCAL_HANDLERS, [...ROUTES.slice(0, 10), roleless, ...ROUTES.slice(11)]),
    ).toThrow(/declares no valid role/);
  });
});
