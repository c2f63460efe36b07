// Which git sources a build may clone, decided before git runs: `https://`, `ssh://` and scp-like `user@host:path`
// only; `file://` and local paths only when BUILD_ALLOW_LOCAL_SOURCES is on (never the service's own scratch dir);
// hosts on loopback, link-local, private or otherwise internal addresses only when BUILD_ALLOW_PRIVATE_SOURCES is
// on. Credentials in the URL are never used or kept: the URL is stripped of them here, and git takes credentials
// from the configured credential file instead.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isAbsolute, resolve, sep } from 'node:path';
import { realpath } from 'node:fs/promises';
import { redactRepository } from '@mcp-host/contracts';
import { BuildErrorCode, BuildException } from './build-source.exception';

export type SourceRule = 'scheme' | 'local_source' | 'private_address' | 'scratch_dir' | 'malformed';

export interface SourcePolicy {
  allowLocal: boolean;
  allowPrivate: boolean;
  /** The service's scratch directory: never a source, even with local sources on. */
  workDir: string;
}

export interface CheckedSource {
  /** What is recorded, logged, published and answered, and what git is given: no password, no token. */
  url: string;
  kind: 'https' | 'ssh' | 'scp' | 'local';
  /** The host to resolve, for https/ssh/scp. */
  host?: string;
  port?: number;
  /** The addresses the host resolved to (checked); git is pinned to them for https. */
  addresses?: string[];
}

const RULE_TEXT: Record<SourceRule, string> = {
  scheme: 'only https://, ssh:// and scp-like user@host:path repositories are allowed',
  local_source: 'file:// URLs and local paths are allowed only with BUILD_ALLOW_LOCAL_SOURCES=true',
  private_address:
    'hosts on loopback, link-local, private or internal addresses are allowed only with BUILD_ALLOW_PRIVATE_SOURCES=true',
  scratch_dir: "the build service's own scratch directory is never a source",
  malformed: 'the repository is not a URL or path git would accept',
};

export function refused(rule: SourceRule, repository: string, extra?: string): BuildException {
  return new BuildException(
    BuildErrorCode.SOURCE_NOT_ALLOWED,
    `Source repository ${repository} is not allowed: ${RULE_TEXT[rule]}${extra ? ` (${extra})` : ''}.`,
    { rule, repository },
  );
}

const SCP_LIKE = /^(?:([A-Za-z0-9._~-]+)@)?(\[[^\]]+\]|[A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/** Syntax rules only (no DNS): the kind, the stripped URL and the host. */
export function classifySource(raw: string): CheckedSource | SourceRule {
  // git's remote helper syntax (`ext::`, `fd::`, `<transport>::<address>`).
  if (/^[A-Za-z0-9+.-]+::/.test(raw)) return 'scheme';
  if (raw.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(raw)) return 'malformed';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === 'file') return { url: raw, kind: 'local' };
    if (scheme !== 'https' && scheme !== 'ssh') return 'scheme';
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return 'malformed';
    }
    if (!u.hostname) return 'malformed';
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return {
      url: redactRepository(raw),
      kind: scheme,
      host,
      port: u.port ? Number(u.port) : scheme === 'https' ? 443 : 22,
    };
  }
  // git reads `host:path` as scp-like whenever no slash comes before the first colon; `./a:b` is a local path.
  const colon = raw.indexOf(':');
  if (colon > 0 && !raw.slice(0, colon).includes('/')) {
    const scp = SCP_LIKE.exec(raw);
    // `user:password@host:path` would reach git as host `user`; a password has no place in an scp-like source.
    if (!scp || /^[^/@:]+:[^/@]*@/.test(raw)) return 'malformed';
    return { url: raw, kind: 'scp', host: scp[2].replace(/^\[|\]$/g, ''), port: 22 };
  }
  if (raw.includes('://')) return 'scheme';
  return { url: raw, kind: 'local' };
}

function hexTail(m: RegExpExecArray | null): string | undefined {
  if (!m) return undefined;
  const hi = parseInt(m[1], 16);
  const lo = parseInt(m[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Loopback, private, link-local, CGNAT, unspecified, multicast, reserved, and their IPv4-mapped IPv6 forms. */
export function isInternalAddress(address: string): boolean {
  const v = isIP(address);
  if (v === 4) {
    const [a, b] = address.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  if (v === 6) {
    const s = address.toLowerCase();
    // IPv4-mapped (::ffff:a.b.c.d, or ::ffff:hhhh:hhhh as URLs normalise it) and IPv4-compatible forms.
    const tail =
      /^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(s)?.[1] ??
      hexTail(/^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(s));
    if (tail) return isInternalAddress(tail);
    return (
      s === '::' ||
      s === '::1' ||
      /^f[cd]/.test(s) ||
      /^fe[89ab]/.test(s) ||
      /^ff/.test(s) ||
      s.startsWith('64:ff9b:') ||
      s.startsWith('2001:db8')
    );
  }
  return true;
}

/** Applies every rule; resolves the host once so the checked addresses are the ones git is pinned to. */
export async function checkSource(raw: string, policy: SourcePolicy): Promise<CheckedSource> {
  const shown = redactRepository(raw);
  const c = classifySource(raw);
  if (typeof c === 'string') throw refused(c, shown);
  if (c.kind === 'local') {
    if (!policy.allowLocal) throw refused('local_source', shown);
    let path = c.url;
    if (c.url.startsWith('file://')) {
      try {
        path = decodeURIComponent(c.url.slice('file://'.length));
      } catch {
        throw refused('malformed', shown);
      }
    }
    const abs = isAbsolute(path) ? path : resolve(path);
    const real = await realpath(abs).catch(() => abs);
    const work = await realpath(policy.workDir).catch(() => policy.workDir);
    if (real === work || real.startsWith(work + sep)) throw refused('scratch_dir', shown);
    return c;
  }
  const host = c.host!;
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      throw new BuildException(
        BuildErrorCode.GIT_SOURCE_UNAVAILABLE,
        `Cannot clone ${shown}: the host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'}).`,
        { git: `cannot resolve ${host}`, repository: shown },
      );
    }
  }
  if (!policy.allowPrivate) {
    const internal = addresses.filter(isInternalAddress);
    if (internal.length > 0) throw refused('private_address', shown, `${host} is ${internal.join(', ')}`);
  }
  return { ...c, addresses };
}
