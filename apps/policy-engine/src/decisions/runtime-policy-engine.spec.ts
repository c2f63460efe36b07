// The pure decision: backend overrides, capabilities, image choice and the certification states the matrix test
// does not reach (no executor, capabilities split across executors, not-yet-valid, marketplace tier, ungated tiers).
import { decide, type DecisionFacts } from './runtime-policy-engine';

const NOW = new Date('2026-12-01T08:00:00.000Z');
const DIGEST = 'sha256:abc';

function facts(over: Partial<DecisionFacts> = {}): DecisionFacts {
  return {
    tier: 'gold',
    gated: true,
    requirements: ['security-scan'],
    artifact: {
      id: 'run-1',
      server_id: 's',
      registry_image: '127.0.0.1:5000/mcp/weather:v1',
      manifest_digest: DIGEST,
      status: 'succeeded',
      completed_at: NOW,
    },
    defaultImage: undefined,
    certifications: [
      {
        id: 'c',
        policy_requirement: 'security-scan',
        status: 'pass',
        valid_from: null,
        valid_until: null,
        expired: false,
      },
    ],
    governanceRun: {
      run_id: 'r',
      status: 'succeeded',
      tier: 'gold',
      manifest_digest: DIGEST,
      artifact_run_id: 'run-1',
      policy_decision_id: null,
    },
    promotion: {
      promotion_id: 'p',
      status: 'active',
      tier: 'gold',
      manifest_digest: DIGEST,
      artifact_run_id: 'run-1',
    },
    health: undefined,
    executors: [{ name: 'docker-local', kind: 'docker', capabilities: ['container'] }],
    candidateBackend: 'docker',
    capabilities: [],
    now: NOW,
    ...over,
  };
}

describe('decide', () => {
  it('when every gate passes, then the ledger image runs by digest on the candidate backend', () => {
    const d = decide(facts());
    expect(d).toMatchObject({
      backend: 'docker',
      candidate_backend: 'docker',
      executor_name: 'docker-local',
      capabilities_satisfied: true,
      image: `127.0.0.1:5000/mcp/weather@${DIGEST}`,
      requires_build: false,
      evaluation_required: false,
      governance_required: false,
      governance_run_id: 'r',
    });
    expect(d.policy_notes).toEqual([
      'image:ledger:run-1',
      'evaluation:certified:gold:security-scan',
      'governance:completed:gold:r',
      'promotion:active:gold:p',
    ]);
  });

  it('when the candidate lacks a capability another executor has, then the backend is overridden with a note', () => {
    const d = decide(
      facts({
        capabilities: ['gpu'],
        executors: [
          { name: 'docker-local', kind: 'docker', capabilities: ['container'] },
          { name: 'kubernetes', kind: 'kubernetes', capabilities: ['container', 'gpu'] },
        ],
      }),
    );
    expect(d).toMatchObject({
      backend: 'kubernetes',
      candidate_backend: 'docker',
      executor_name: 'kubernetes',
    });
    expect(d.policy_notes[0]).toBe('backend:override:docker->kubernetes:capability:gpu');
  });

  it('when no one executor has every capability, then capabilities are unsatisfied and no executor is named', () => {
    const d = decide(
      facts({
        capabilities: ['gpu', 'confidential'],
        executors: [
          { name: 'docker-local', kind: 'docker', capabilities: ['gpu'] },
          { name: 'kubernetes', kind: 'kubernetes', capabilities: ['confidential'] },
        ],
      }),
    );
    expect(d).toMatchObject({ capabilities_satisfied: false, executor_name: null, backend: 'docker' });
    expect(d.policy_notes).toContain('capability:unsatisfied:confidential+gpu');
  });

  it('when no executor is registered, then the decision says so', () => {
    const d = decide(facts({ executors: [] }));
    expect(d).toMatchObject({ capabilities_satisfied: false, executor_name: null });
    expect(d.policy_notes).toContain('backend:no-executor:docker');
  });

  it('when a pass is not valid yet, then evaluation is required with a not-yet-valid note', () => {
    const d = decide(
      facts({
        certifications: [
          {
            id: 'c',
            policy_requirement: 'security-scan',
            status: 'pass',
            valid_from: new Date(NOW.getTime() + 60_000),
            valid_until: null,
            expired: false,
          },
        ],
      }),
    );
    expect(d.evaluation_required).toBe(true);
    expect(d.policy_notes).toContain('evaluation:not-yet-valid:gold:security-scan');
  });

  it('when a digest was certified for a requirement the tier no longer lists, then that certification still counts', () => {
    const d = decide(facts({ requirements: [] }));
    expect(d.policy_notes).toContain('evaluation:certified:gold:security-scan');
  });

  it('when there is no artifact, then the catalog image runs, a build is required and governance is unbuilt', () => {
    const d = decide(
      facts({
        artifact: undefined,
        defaultImage: 'localhost/mcp-host/weather-server:latest',
        certifications: [],
      }),
    );
    expect(d).toMatchObject({
      image: 'localhost/mcp-host/weather-server:latest',
      requires_build: true,
      manifest_digest: null,
      artifact_run_id: null,
      evaluation_required: true,
      governance_required: true,
    });
    expect(d.policy_notes).toEqual([
      'image:default:catalog',
      'evaluation:missing:gold:security-scan',
      'governance:missing-promotion:gold:unbuilt',
    ]);
  });

  it('when the tier is ungated, then governance and promotion do not hold the launch', () => {
    const d = decide(
      facts({
        tier: 'dev',
        gated: false,
        requirements: [],
        certifications: [],
        governanceRun: undefined,
        promotion: undefined,
      }),
    );
    expect(d).toMatchObject({
      evaluation_required: false,
      governance_required: false,
      governance_run_id: null,
    });
    expect(d.policy_notes).toEqual(['image:ledger:run-1', 'governance:ungated:dev']);
  });

  it('when the marketplace graded the server, then the decision notes its tier', () => {
    const d = decide(facts({ health: { health_tier: 'gold:Router', issues: [] } }));
    expect(d.policy_notes).toContain('marketplace:tier:gold:Router');
  });
});
