// List and call agree under drift too: over random grant sets, blocked tool sets and principals, the tools/list
// filter keeps exactly the tools a tools/call would be allowed; a blocked tool is always refused as drift:<tool>, and
// a tool not blocked is decided by the grants alone.
import fc from 'fast-check';
import { CompiledGrants, principalSubjects, type GrantRule } from '../src/mcp/grant-decision';
import { filterToolsAnswer } from '../src/mcp/tools-list-filter';

const TOOLS = ['echo', 'wipe', 'get_forecast', 'list_cities', 'convert'];
const SUBJECTS = ['subject:alice', 'token:t1', 'role:viewer', 'role:operator', 'role:admin'];

const toolArb = fc.constantFrom(...TOOLS, '*');
const grantArb: fc.Arbitrary<GrantRule> = fc.record({
  id: fc.uuid(),
  subject: fc.constantFrom(...SUBJECTS),
  allow_tools: fc.array(toolArb, { maxLength: 4 }),
  deny_tools: fc.array(toolArb, { maxLength: 2 }),
});
const principalArb = fc.record({
  subject: fc.constantFrom('alice', 'bob'),
  tokenId: fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
  role: fc.constantFrom('viewer' as const, 'operator' as const, 'admin' as const),
});

describe('the grant decision with drift-blocked tools', () => {
  it('when tools are blocked by a drift, then list and call agree, blocked tools are refused as drift and others follow the grants', () => {
    fc.assert(
      fc.property(
        fc.array(grantArb, { maxLength: 10 }),
        fc.subarray(TOOLS),
        principalArb,
        (grants, blocked, principal) => {
          const withDrift = new CompiledGrants(grants, blocked);
          const grantsOnly = new CompiledGrants(grants);
          const subjects = principalSubjects(principal);
          const answer = {
            jsonrpc: '2.0',
            id: 1,
            result: { tools: TOOLS.map((name) => ({ name, inputSchema: { type: 'object' } })) },
          };
          const listed = (
            filterToolsAnswer(answer, 1, (t) => withDrift.decide(subjects, t).allowed) as typeof answer
          ).result.tools.map((t) => t.name);
          for (const tool of TOOLS) {
            const call = withDrift.decide(subjects, tool);
            expect(listed.includes(tool)).toBe(call.allowed);
            if (blocked.includes(tool)) expect(call).toEqual({ allowed: false, rule: `drift:${tool}` });
            else expect(call).toEqual(grantsOnly.decide(subjects, tool));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
