// RuntimePolicyEngine: the placement brain every launch goes through. It reads the policy engine's own projections
// (artifacts, marketplace health, certifications and tier requirements, governance runs, promotions) and the
// executors' descriptors, and returns a decision with every field of runtime_policy_decisions. `decide` is the pure
// part, so the gating table can be read (and measured) without a database.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';
import { InjectRuntimeConfig, type RuntimeConfig } from '../runtime/runtime.config';
import { ExecutorRegistry } from '../runtime/executor-registry';
import type { RuntimeExecutorDescriptor } from '../runtime/runtime-executor';
import {
  PolicyFactsRepository,
  type ArtifactFact,
  type CertificationFact,
  type GovernanceRunFact,
  type MarketplaceHealthFact,
  type PromotionFact,
} from '../projections/policy-facts.repository';
import { PolicyErrorCode, PolicyException } from './policy-decision.exception';

export interface PolicyServer {
  id: string;
  name: string;
  server_type: string;
  tier: string | null;
}

export interface LaunchRequest {
  tier?: string;
  backend?: string;
  capabilities: string[];
}

/** Everything a decision depends on, loaded from the projections. */
export interface DecisionFacts {
  tier: string;
  gated: boolean;
  requirements: string[];
  artifact: (ArtifactFact & { promotion_id?: string }) | undefined;
  defaultImage: string | undefined;
  certifications: CertificationFact[];
  governanceRun: GovernanceRunFact | undefined;
  promotion: PromotionFact | undefined;
  health: MarketplaceHealthFact | undefined;
  executors: readonly RuntimeExecutorDescriptor[];
  candidateBackend: string;
  capabilities: string[];
  now: Date;
}

export interface DecisionOutcome {
  backend: string;
  candidate_backend: string;
  image: string;
  requires_build: boolean;
  capability_requirements: string[];
  capabilities_satisfied: boolean;
  executor_name: string | null;
  manifest_digest: string | null;
  artifact_run_id: string | null;
  tier: string;
  policy_notes: string[];
  evaluation_required: boolean;
  governance_required: boolean;
  governance_run_id: string | null;
}

function imageOf(a: ArtifactFact): string {
  return a.manifest_digest
    ? `${a.registry_image.replace(/:[^/:@]+$/, '')}@${a.manifest_digest}`
    : a.registry_image;
}

function satisfies(e: RuntimeExecutorDescriptor, caps: readonly string[]): boolean {
  return caps.every((c) => e.capabilities.includes(c));
}

/** The pure decision over loaded facts. */
export function decide(f: DecisionFacts): Omit<DecisionOutcome, 'image'> & { image: string | undefined } {
  const notes: string[] = [];
  const tier = f.tier;

  // Backend: the candidate stays unless it cannot serve the capabilities (or is not registered here).
  const caps = [...new Set(f.capabilities)].sort();
  const candidates = f.executors.filter((e) => e.kind === f.candidateBackend);
  let executor = candidates.find((e) => satisfies(e, caps));
  let backend = f.candidateBackend;
  if (!executor) {
    const other = f.executors.find((e) => satisfies(e, caps));
    if (other) {
      executor = other;
      backend = other.kind;
      const missing =
        candidates.length === 0
          ? 'unavailable'
          : `capability:${caps.filter((c) => !candidates.some((e) => e.capabilities.includes(c))).join('+')}`;
      notes.push(`backend:override:${f.candidateBackend}->${other.kind}:${missing}`);
    } else if (f.executors.length === 0) {
      notes.push(`backend:no-executor:${f.candidateBackend}`);
    } else {
      notes.push(`capability:unsatisfied:${caps.join('+')}`);
    }
  }

  // Image: the active promoted artifact, else the newest ledger artifact, else the catalog default.
  const artifact = f.artifact;
  const digest = artifact?.manifest_digest ?? null;
  if (artifact?.promotion_id) notes.push(`image:promoted:${artifact.promotion_id}`);
  else if (artifact) notes.push(`image:ledger:${artifact.id}`);
  else notes.push(`image:default:${f.defaultImage ? 'catalog' : 'none'}`);
  if (f.health) notes.push(`marketplace:tier:${f.health.health_tier}`);

  // Evaluation gating: the latest certification per requirement of the tier (and any other it was certified for).
  const byRequirement = new Map(f.certifications.map((c) => [c.policy_requirement, c]));
  const requirements = [...new Set([...f.requirements, ...byRequirement.keys()])].sort();
  let evaluationRequired = false;
  for (const req of requirements) {
    const c = digest ? byRequirement.get(req) : undefined;
    let state: string;
    if (!c) state = 'missing';
    else if (c.status === 'pending') state = 'pending';
    else if (c.status === 'fail') state = 'failed';
    else if (c.expired || (c.valid_until && new Date(c.valid_until) <= f.now)) state = 'expired';
    else if (c.valid_from && new Date(c.valid_from) > f.now) state = 'not-yet-valid';
    else state = 'certified';
    if (state !== 'certified') evaluationRequired = true;
    notes.push(`evaluation:${state}:${tier}:${req}`);
  }

  // Governance and promotion gating: a completed (succeeded) run and an active promotion for the tier and digest.
  let governanceRequired = false;
  let governanceRunId: string | null = null;
  if (!f.gated) {
    notes.push(`governance:ungated:${tier}`);
  } else if (!digest) {
    governanceRequired = true;
    notes.push(`governance:missing-promotion:${tier}:unbuilt`);
  } else {
    const run = f.governanceRun;
    if (run?.status === 'succeeded') {
      governanceRunId = run.run_id;
      notes.push(`governance:completed:${tier}:${run.run_id}`);
    } else {
      governanceRequired = true;
      notes.push(`governance:missing-promotion:${tier}:${digest}`);
      if (run) notes.push(`governance:run-${run.status}:${run.run_id}`);
    }
    const p = f.promotion;
    if (!p) {
      governanceRequired = true;
      notes.push(`promotion:none:${tier}:${digest}`);
    } else if (p.status === 'active') {
      notes.push(`promotion:active:${tier}:${p.promotion_id}`);
    } else {
      governanceRequired = true;
      notes.push(`promotion:${p.status}:${tier}:${p.promotion_id}`);
    }
  }

  return {
    backend,
    candidate_backend: f.candidateBackend,
    image: artifact ? imageOf(artifact) : f.defaultImage,
    requires_build: !artifact,
    capability_requirements: caps,
    capabilities_satisfied: executor !== undefined,
    executor_name: executor?.name ?? null,
    manifest_digest: digest,
    artifact_run_id: artifact?.id ?? null,
    tier,
    policy_notes: notes,
    evaluation_required: evaluationRequired,
    governance_required: governanceRequired,
    governance_run_id: governanceRunId,
  };
}

@Injectable()
export class RuntimePolicyEngine {
  constructor(
    private readonly facts: PolicyFactsRepository,
    private readonly executors: ExecutorRegistry,
    @InjectRuntimeConfig() private readonly config: RuntimeConfig,
  ) {}

  /** Validates the request against what exists (422 naming the problem), loads the facts and decides. */
  async evaluate(
    m: Manager,
    server: PolicyServer,
    request: LaunchRequest,
    now: Date = new Date(),
  ): Promise<DecisionOutcome> {
    const f = await this.load(m, server, request, now);
    const d = decide(f);
    if (d.image === undefined) {
      throw new PolicyException(
        PolicyErrorCode.NO_IMAGE,
        `Server ${server.name} has no artifact and no default image is configured for server_type "${server.server_type}"; build it first.`,
      );
    }
    return { ...d, image: d.image };
  }

  async load(m: Manager, server: PolicyServer, request: LaunchRequest, now: Date): Promise<DecisionFacts> {
    const tier = request.tier ?? server.tier ?? this.config.RUNTIME_DEFAULT_TIER;
    if (!this.config.RUNTIME_TIERS.includes(tier) && !(await this.facts.isKnownTier(m, tier))) {
      throw new PolicyException(PolicyErrorCode.UNKNOWN_TIER, `Unknown tier "${tier}".`, {
        tier,
        known_tiers: this.config.RUNTIME_TIERS,
      });
    }
    const executors = this.executors.descriptors();
    const backend = request.backend ?? this.config.RUNTIME_DEFAULT_BACKEND;
    if (request.backend !== undefined && !['docker', 'kubernetes'].includes(backend)) {
      throw new PolicyException(PolicyErrorCode.UNKNOWN_BACKEND, `Unknown backend "${backend}".`, {
        backend,
      });
    }
    for (const cap of request.capabilities) {
      if (!executors.some((e) => e.capabilities.includes(cap))) {
        throw new PolicyException(
          PolicyErrorCode.CAPABILITY_UNAVAILABLE,
          `No executor offers the capability "${cap}".`,
          {
            capability: cap,
            executors: executors.map((e) => ({ name: e.name, capabilities: e.capabilities })),
          },
        );
      }
    }
    // Two round trips: where it would run, then the gates of that digest.
    const { artifact, requirements, health } = await this.facts.placementFacts(m, server.id, tier);
    const digest = artifact?.manifest_digest ?? null;
    const gates = digest
      ? await this.facts.gateFacts(m, digest, tier, artifact?.id ?? null)
      : { certifications: [], governanceRun: undefined, promotion: undefined };
    const { certifications, governanceRun, promotion } = gates;
    const images = this.config.RUNTIME_DEFAULT_IMAGES;
    return {
      tier,
      gated: !this.config.RUNTIME_UNGATED_TIERS.includes(tier),
      requirements: requirements ?? this.config.RUNTIME_TIER_REQUIREMENTS[tier] ?? [],
      artifact,
      defaultImage: images[server.server_type] ?? images['*'],
      certifications,
      governanceRun,
      promotion,
      health,
      executors,
      candidateBackend: backend,
      capabilities: request.capabilities,
      now,
    };
  }
}
