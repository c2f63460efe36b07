// The 1,000 grant rules the benchmark puts on its one server: one allows the caller's token `echo`, two more match the
// caller (its subject and its role) so the decision looks through several rule sets, and the rest belong to other
// tokens and subjects. The same list is published to the gateway and fed to the decision function alone.
import { randomUUID } from 'node:crypto';
import type { GrantRule } from '../../apps/gateway/src/mcp/grant-decision';

export const TOOLS = ['echo', 'search', 'fetch', 'write', 'wipe', 'read', 'list', 'deploy'];

export function benchGrants(count: number, caller: { tokenId: string; subject: string }): GrantRule[] {
  const grants: GrantRule[] = [
    { id: randomUUID(), subject: `token:${caller.tokenId}`, allow_tools: ['echo'], deny_tools: [] },
    {
      id: randomUUID(),
      subject: `subject:${caller.subject}`,
      allow_tools: ['search', 'read'],
      deny_tools: [],
    },
    { id: randomUUID(), subject: 'role:operator', allow_tools: ['list'], deny_tools: ['wipe'] },
  ];
  for (let i = grants.length; i < count; i++) {
    const subject = i % 3 === 0 ? `subject:user-${i}@example.com` : `token:${randomUUID()}`;
    grants.push({
      id: randomUUID(),
      subject,
      allow_tools: i % 10 === 0 ? ['*'] : [TOOLS[i % TOOLS.length], TOOLS[(i + 3) % TOOLS.length]],
      deny_tools: i % 7 === 0 ? ['wipe'] : [],
    });
  }
  return grants;
}
