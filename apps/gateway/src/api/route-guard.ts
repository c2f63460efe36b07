// Refuses to start a gateway that could serve or forward a path without an authorisation rule: every handler the
// gateway owns, every forwarded prefix and every stream must be declared, with a role, in the contracts' ROUTES.
import { ROLES, ROUTE_PREFIXES, ROUTES, topicByName, type RouteDefinition } from '@mcp-host/contracts';

export class UnguardedRouteError extends Error {
  constructor(problem: string) {
    super(`Refusing to start: ${problem}`);
    this.name = 'UnguardedRouteError';
  }
}

export function routeKeyOf(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** Throws UnguardedRouteError (one line) on the first gap; `localHandlers` are the gateway's own `METHOD /path` keys. */
export function assertRoutesGuarded(
  localHandlers: readonly string[],
  routes: readonly RouteDefinition[] = ROUTES,
  prefixes: readonly { prefix: string; service: string }[] = ROUTE_PREFIXES,
): void {
  const declared = new Map(routes.map((r) => [routeKeyOf(r), r]));
  for (const key of localHandlers) {
    const route = declared.get(key);
    if (!route) throw new UnguardedRouteError(`the gateway handles ${key}, which is not declared in ROUTES`);
    if (route.service !== 'gateway')
      throw new UnguardedRouteError(`the gateway handles ${key}, which ROUTES gives to ${route.service}`);
  }
  for (const route of routes) {
    const key = routeKeyOf(route);
    if (!(ROLES as readonly string[]).includes(route.role))
      throw new UnguardedRouteError(`${key} declares no valid role (got "${String(route.role)}")`);
    if (route.service === 'gateway' && !route.stream && !localHandlers.includes(key))
      throw new UnguardedRouteError(`${key} is declared for the gateway, which has no handler for it`);
    if (route.stream && !topicByName(route.stream.topic)?.watchable)
      throw new UnguardedRouteError(`${key} streams ${route.stream.topic}, which is not a watchable topic`);
  }
  for (const { prefix, service } of prefixes) {
    const covered = routes.some(
      (r) => r.service === service && (r.path === prefix || r.path.startsWith(`${prefix}/`)),
    );
    if (!covered)
      throw new UnguardedRouteError(
        `the prefix ${prefix} forwards to ${service} but no route under it is declared`,
      );
  }
}
