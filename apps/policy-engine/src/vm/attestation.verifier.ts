// Verifies an attestation-result token (an EAT Attestation Result, EAR, as a JWS compact JWT) with node:crypto:
// the signature against the configured verifier key set, the nonce and its freshness, the verifier's status, the
// per-server launch measurement allowlist, the guest's debug policy, the reported TCB version and the attester kind.
import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { VmConfig } from './vm.config';

export const EAR_PROFILE = 'tag:github.com,2023:veraison/ear';

/** Why evidence was refused; `null` in a verdict means it was accepted. */
export type AttestationFailure =
  | 'malformed'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_profile'
  | 'nonce_mismatch'
  | 'stale_nonce'
  | 'not_affirming'
  | 'sample_attester'
  | 'measurement_not_allowed'
  | 'debug_policy'
  | 'stale_tcb';

export interface AttestationVerdict {
  ok: boolean;
  failure: AttestationFailure | null;
  message: string;
  platform: string | null;
  measurement: string | null;
  tcbVersion: number | null;
  debug: boolean | null;
}

export interface AttestationChallenge {
  serverId: string;
  nonce: string;
  issuedAt: Date;
}

/** The claims of one EAR submodule's annotated evidence the checks read. */
interface AnnotatedEvidence {
  platform?: unknown;
  measurement?: unknown;
  policy_debug?: unknown;
  reported_tcb?: unknown;
}

const ALGORITHMS: Record<string, { hash: string | null; dsa: boolean }> = {
  ES256: { hash: 'sha256', dsa: true },
  ES384: { hash: 'sha384', dsa: true },
  ES512: { hash: 'sha512', dsa: true },
  EdDSA: { hash: null, dsa: false },
  RS256: { hash: 'sha256', dsa: false },
  PS256: { hash: 'sha256', dsa: false },
};

export class AttestationVerifier {
  private readonly keys: { kid: string | null; alg: string | null; key: KeyObject }[];

  constructor(
    private readonly config: Pick<
      VmConfig,
      | 'VM_ATTESTATION_JWKS'
      | 'VM_ATTESTATION_ISSUER'
      | 'VM_ATTESTATION_MAX_AGE_SECONDS'
      | 'VM_MEASUREMENT_ALLOWLIST'
      | 'VM_MIN_TCB_VERSION'
      | 'VM_ALLOW_DEBUG'
      | 'VM_ALLOW_SAMPLE_ATTESTER'
    >,
  ) {
    this.keys = config.VM_ATTESTATION_JWKS.keys.map((jwk, i) => {
      if (typeof jwk.d === 'string')
        throw new Error(`VM_ATTESTATION_JWKS key ${i} is a private key; give public keys`);
      let key: KeyObject;
      try {
        key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      } catch (err) {
        throw new Error(`VM_ATTESTATION_JWKS key ${i} is not a usable public key: ${String(err)}`);
      }
      return {
        kid: typeof jwk.kid === 'string' ? jwk.kid : null,
        alg: typeof jwk.alg === 'string' ? jwk.alg : null,
        key,
      };
    });
  }

  verify(token: string, challenge: AttestationChallenge, now = new Date()): AttestationVerdict {
    const refuse = (
      failure: AttestationFailure,
      message: string,
      seen: Partial<AttestationVerdict> = {},
    ) => ({
      ok: false,
      failure,
      message,
      platform: null,
      measurement: null,
      tcbVersion: null,
      debug: null,
      ...seen,
    });

    const parts = token.split('.');
    if (parts.length !== 3) return refuse('malformed', 'the token is not a compact JWS');
    let header: { alg?: unknown; kid?: unknown };
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return refuse('malformed', 'the token header or claims are not JSON');
    }
    if (typeof claims !== 'object' || claims === null)
      return refuse('malformed', 'the claims are not an object');

    const alg = typeof header.alg === 'string' ? header.alg : '';
    const algorithm = ALGORITHMS[alg];
    if (!algorithm) return refuse('bad_signature', `signature algorithm "${alg}" is not accepted`);
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    const candidates = this.keys.filter(
      (k) => (typeof header.kid !== 'string' || k.kid === header.kid) && (k.alg === null || k.alg === alg),
    );
    const valid = candidates.some((k) => {
      try {
        return verifySignature(
          algorithm.hash,
          signed,
          algorithm.dsa
            ? { key: k.key, dsaEncoding: 'ieee-p1363' }
            : alg === 'PS256'
              ? { key: k.key, padding: 6 /* RSA_PKCS1_PSS_PADDING */ }
              : k.key,
          signature,
        );
      } catch {
        return false;
      }
    });
    if (!valid) return refuse('bad_signature', 'no configured verifier key validates the token signature');

    if (this.config.VM_ATTESTATION_ISSUER && claims.iss !== this.config.VM_ATTESTATION_ISSUER) {
      return refuse('wrong_issuer', `issuer "${String(claims.iss)}" is not the configured verifier`);
    }
    if (claims.eat_profile !== EAR_PROFILE) return refuse('wrong_profile', 'the token is not an EAR');
    if (claims.eat_nonce !== challenge.nonce)
      return refuse('nonce_mismatch', 'the token answers another nonce');
    const iat = typeof claims.iat === 'number' ? claims.iat * 1000 : NaN;
    const maxAgeMs = this.config.VM_ATTESTATION_MAX_AGE_SECONDS * 1000;
    if (
      !Number.isFinite(iat) ||
      now.getTime() - challenge.issuedAt.getTime() > maxAgeMs ||
      now.getTime() - iat > maxAgeMs ||
      iat < challenge.issuedAt.getTime() - 5000
    ) {
      return refuse(
        'stale_nonce',
        `the evidence is older than ${this.config.VM_ATTESTATION_MAX_AGE_SECONDS}s`,
      );
    }

    const submods = claims.submods;
    const first =
      submods && typeof submods === 'object'
        ? Object.values(submods as Record<string, unknown>)[0]
        : undefined;
    if (!first || typeof first !== 'object')
      return refuse('malformed', 'the token has no submodule appraisal');
    const appraisal = first as Record<string, unknown>;
    const evidence = (appraisal['ear.veraison.annotated-evidence'] ?? {}) as AnnotatedEvidence;
    const platform = typeof evidence.platform === 'string' ? evidence.platform : null;
    const measurement = typeof evidence.measurement === 'string' ? evidence.measurement.toLowerCase() : null;
    const tcbVersion = typeof evidence.reported_tcb === 'number' ? evidence.reported_tcb : null;
    const debug = typeof evidence.policy_debug === 'boolean' ? evidence.policy_debug : null;
    const seen = { platform, measurement, tcbVersion, debug };

    if (appraisal['ear.status'] !== 'affirming') {
      return refuse('not_affirming', `the verifier's status is "${String(appraisal['ear.status'])}"`, seen);
    }
    if (!platform || !measurement || tcbVersion === null || debug === null) {
      return refuse(
        'malformed',
        'the annotated evidence lacks platform, measurement, TCB or debug policy',
        seen,
      );
    }
    if ((platform === 'sample' || platform === 'test') && !this.config.VM_ALLOW_SAMPLE_ATTESTER) {
      return refuse('sample_attester', `evidence from a "${platform}" attester is not allowed`, seen);
    }
    const allowed = [
      ...(this.config.VM_MEASUREMENT_ALLOWLIST[challenge.serverId.toLowerCase()] ?? []),
      ...(this.config.VM_MEASUREMENT_ALLOWLIST['*'] ?? []),
    ];
    if (!allowed.includes(measurement)) {
      return refuse(
        'measurement_not_allowed',
        `measurement ${measurement} is not allowed for this server`,
        seen,
      );
    }
    if (debug && !this.config.VM_ALLOW_DEBUG) {
      return refuse('debug_policy', 'the guest policy allows debugging', seen);
    }
    if (tcbVersion < this.config.VM_MIN_TCB_VERSION) {
      return refuse(
        'stale_tcb',
        `TCB version ${tcbVersion} is below ${this.config.VM_MIN_TCB_VERSION}`,
        seen,
      );
    }
    return { ok: true, failure: null, message: 'affirming evidence', ...seen };
  }
}
