// Every API route the CLI calls, spelled exactly as in contracts' ROUTES; a test fails when one is not declared there.
import type { RouteRef } from './api-client';

export const API = {
  status: { method: 'GET', path: '/api/status' },
  tokensMe: { method: 'GET', path: '/api/tokens/me' },
  tokensList: { method: 'GET', path: '/api/tokens' },
  tokensCreate: { method: 'POST', path: '/api/tokens' },
  tokensRevoke: { method: 'DELETE', path: '/api/tokens/:id' },
  serversList: { method: 'GET', path: '/api/servers' },
  serversGet: { method: 'GET', path: '/api/servers/:id' },
  serversRegister: { method: 'POST', path: '/api/servers' },
  serversUpdate: { method: 'PATCH', path: '/api/servers/:id' },
  serversDelete: { method: 'DELETE', path: '/api/servers/:id' },
  marketplaceList: { method: 'GET', path: '/api/marketplace' },
  workflowsList: { method: 'GET', path: '/api/governance/workflows' },
  workflowsCreate: { method: 'POST', path: '/api/governance/workflows' },
} as const satisfies Record<string, RouteRef>;

/** Command path (topic, then verb) → the route it calls. Every leaf command of the program appears here. */
export const COMMAND_ROUTES: Readonly<Record<string, RouteRef>> = {
  status: API.status,
  whoami: API.tokensMe,
  'tokens list': API.tokensList,
  'tokens create': API.tokensCreate,
  'tokens revoke': API.tokensRevoke,
  'servers list': API.serversList,
  'servers get': API.serversGet,
  'servers register': API.serversRegister,
  'servers update': API.serversUpdate,
  'servers delete': API.serversDelete,
  'marketplace list': API.marketplaceList,
  'governance workflows list': API.workflowsList,
  'governance workflows create': API.workflowsCreate,
};
