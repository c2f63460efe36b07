// List and call agree: over random grant sets, principals and tools, the tools/list filter keeps exactly the tools a
// tools/call would be allowed, and both match the rules as written (deny wins, `*` matches any tool, no rule denies).
import fc from 'fast-check';
import { CompiledGrants, principalSubjects, type GrantRule } from '../src/mcp/grant-decision';
import { filterToolsAnswer } from '../src/mcp/tools-list-filter';

const TOOLS = ['echo', 'wipe', 'get_forecast', 'list_cities', 'convert'];
const ROLES = ['viewer', 'operator', 'admin'] as const;
const SUBJECTS = [
  'subject:alice',
  'subject:bob',
  'token:t1',
  'token:t2',
  'role:viewer',
  'role:operator',
  'role:admin',
];

const toolArb = fc.constantFrom(...TOOLS, '*');
const grantArb: fc.Arbitrary<GrantRule> = fc.record({
  id: fc.uuid(),
  subject: fc.constantFrom(...SUBJECTS),
  allow_tools: fc.array(toolArb, { maxLength: 4 }),
  deny_tools: fc.array(toolArb, { maxLength: 2 }),
});
const principalArb = fc.record({
  subject: fc.constantFrom('alice', 'bob', 'carol'),
  tokenId: fc.option(fc.constantFrom('t1', 't2', 't3'), { nil: undefined }),
  role: fc.constantFrom(...ROLES),
});

/** The rules as written, evaluated naively. */
function reference(grants: readonly GrantRule[], subjects: readonly string[], tool: string): boolean {
  const mine = grants.filter((g) => subjects.includes(g.subject));
  if (mine.some((g) => g.deny_tools.includes(tool) || g.deny_tools.includes('*'))) return false;
  return mine.some((g) => g.allow_tools.includes(tool) || g.allow_tools.includes('*'));
}

describe('the grant decision', () => {
  it('when tools/list is filtered and every tool is called, then both agree with each other and with the rules', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { maxLength: 12 }), principalArb, (grants, principal) => {
        const compiled = new CompiledGrants(grants);
        const subjects = principalSubjects(principal);
        const answer = {
          jsonrpc: '2.0',
          id: 1,
          result: { tools: TOOLS.map((name) => ({ name, inputSchema: { type: 'object' } })) },
        };
        const listed = (
          filterToolsAnswer(answer, 1, (t) => compiled.decide(subjects, t).allowed) as typeof answer
        ).result.tools.map((t) => t.name);
        for (const tool of TOOLS) {
          const call = compiled.decide(subjects, tool);
          expect(listed.includes(tool)).toBe(call.allowed);
          expect(call.allowed).toBe(reference(grants, subjects, tool));
          if (!call.allowed && call.rule !== 'default:deny') expect(call.rule).toMatch(/^grant:.+:deny:/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('when an answer is not the tools/list answer asked for, then it passes unchanged', () => {
    const compiled = new CompiledGrants([]);
    const other = { jsonrpc: '2.0', id: 2, result: { tools: [{ name: 'echo' }] } };
    expect(filterToolsAnswer(other, 1, (t) => compiled.decide(['role:admin'], t).allowed)).toBe(other);
  });
});
