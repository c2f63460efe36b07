// The grant and agent session the access command tests answer with, as the policy engine shapes them.
import { AT } from './stub-server';

export const SERVER = '3f1c2a9e-7b4d-4c1e-9a2b-5d6e7f809a1b';
export const FUTURE = '2999-01-01T00:00:00.000Z';

export const grant = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  server_id: SERVER,
  subject: 'role:operator',
  allow_tools: ['echo'],
  deny_tools: [],
  enabled: true,
  version: 1,
  created_by: 'admin',
  created_at: AT,
  ...over,
});

export const session = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  agent_id: 'forecast-agent',
  subject: 'subject:agent@example.com',
  server_id: SERVER,
  trust_level: 'medium',
  expires_at: FUTURE,
  revoked: false,
  revoked_at: null,
  version: 1,
  created_by: 'admin',
  created_at: AT,
  updated_at: AT,
  ...over,
});
