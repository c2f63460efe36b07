// The one decision function for tools/list and tools/call: a server's grants are compiled once (per grant change)
// into per-principal rule sets, and `decide` answers allow or deny with the rule that decided. A deny rule wins over
// an allow rule; with no matching rule the answer is `default:deny`. A tool the server's drift blocks is refused
// before any grant is looked at (`drift:<tool>`).
import { roleSatisfies, ROLES, type Role } from '@mcp-host/contracts';

export interface GrantRule {
  id: string;
  subject: string;
  allow_tools: readonly string[];
  deny_tools: readonly string[];
}

export interface Decision {
  allowed: boolean;
  rule: string;
}

/** Who a caller is, in grant subjects: its token, its subject and every role its role satisfies. */
export interface Principal {
  tokenId?: string;
  subject: string;
  role: Role;
}

export function principalSubjects(p: Principal): string[] {
  const out = [`subject:${p.subject}`];
  if (p.tokenId) out.push(`token:${p.tokenId}`);
  for (const role of ROLES) if (roleSatisfies(p.role, role)) out.push(`role:${role}`);
  return out;
}

interface Compiled {
  /** tool name (or `*`) → the id of the first grant that denies it. */
  deny: Map<string, string>;
  allow: Map<string, string>;
}

export class CompiledGrants {
  private readonly bySubject = new Map<string, Compiled>();
  private readonly blocked: ReadonlySet<string>;

  /** `blocked`: tools refused whatever the grants say (the server's tool drift). */
  constructor(grants: readonly GrantRule[], blocked: readonly string[] = []) {
    this.blocked = new Set(blocked);
    for (const g of grants) {
      let c = this.bySubject.get(g.subject);
      if (!c) {
        c = { deny: new Map(), allow: new Map() };
        this.bySubject.set(g.subject, c);
      }
      for (const t of g.deny_tools) if (!c.deny.has(t)) c.deny.set(t, g.id);
      for (const t of g.allow_tools) if (!c.allow.has(t)) c.allow.set(t, g.id);
    }
  }

  decide(subjects: readonly string[], tool: string): Decision {
    if (this.blocked.size > 0 && this.blocked.has(tool)) return { allowed: false, rule: `drift:${tool}` };
    const matched: Compiled[] = [];
    for (const s of subjects) {
      const c = this.bySubject.get(s);
      if (c) matched.push(c);
    }
    for (const c of matched) {
      const exact = c.deny.get(tool);
      if (exact) return { allowed: false, rule: `grant:${exact}:deny:${tool}` };
      const any = c.deny.get('*');
      if (any) return { allowed: false, rule: `grant:${any}:deny:*` };
    }
    for (const c of matched) {
      const exact = c.allow.get(tool);
      if (exact) return { allowed: true, rule: `grant:${exact}:allow:${tool}` };
      const any = c.allow.get('*');
      if (any) return { allowed: true, rule: `grant:${any}:allow:*` };
    }
    return { allowed: false, rule: 'default:deny' };
  }
}
