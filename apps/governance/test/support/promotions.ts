// Promotion helpers shared by the promotion tests: tracks with one-step workflows, and a run driven to its outcome.
import type { Harness } from '@mcp-host/policy-engine/testing';
import { waitFor } from '@mcp-host/platform/testing';
import type { PromotionDetail, Track } from '../../src/promotions/promotion.dto';
import type { Workflow } from '../../src/workflows/workflow.dto';
import { api, unique, type Identity } from './api';

export const OWNER: Identity = { subject: 'owner@example.com', role: 'operator' };
export const ADMIN: Identity = { subject: 'admin@example.com', role: 'admin' };

export function promotions(h: Harness) {
  const http = api(h);

  async function track(body: Record<string, unknown> = {}, who: Identity = OWNER): Promise<Track> {
    const wf = await http.ok<Workflow>('POST', '/api/governance/workflows', {
      name: unique('promo-wf'),
      tier: 'gold',
      steps: [{ name: 'check' }],
    });
    return http.ok<Track>(
      'POST',
      '/api/promotions/tracks',
      { name: unique('track'), stages: ['dev', 'staging', 'prod'], workflow_id: wf.id, ...body },
      who,
    );
  }

  function schedule(t: Track, digest: string, stage: string, who: Identity = OWNER) {
    return http.call<PromotionDetail>(
      'POST',
      '/api/promotions/schedule',
      {
        track_id: t.id,
        manifest_digest: digest,
        stage,
      },
      who,
    );
  }

  function get(id: string): Promise<PromotionDetail> {
    return http.ok<PromotionDetail>('GET', `/api/promotions/${id}`);
  }

  /** Drives the promotion's run to `outcome` over the API, then waits until governance has applied the completion. */
  async function finishRun(p: PromotionDetail, outcome: 'succeeded' | 'failed'): Promise<PromotionDetail> {
    const runId = p.governance_run_id!;
    const path = `/api/governance/runs/${runId}/status`;
    await http.ok('POST', path, { status: 'in_progress' });
    if (outcome === 'succeeded') {
      await http.ok('POST', path, { status: 'in_progress', step_position: 0 });
      await http.ok('POST', path, { status: 'succeeded', step_position: 0 });
    }
    await http.ok('POST', path, { status: outcome });
    return waitFor(
      async () => {
        const now = await get(p.id);
        return now.run_status !== null ? now : undefined;
      },
      { timeoutMs: 15_000, what: `promotion ${p.id} to follow its run` },
    );
  }

  /** Schedules, runs to success and approves as needed until the digest is active in `stage`. */
  async function activate(t: Track, digest: string, stage: string): Promise<PromotionDetail> {
    const res = await schedule(t, digest, stage);
    if (res.status !== 201) throw new Error(`schedule answered ${res.status}: ${JSON.stringify(res.body)}`);
    const done = await finishRun(res.body, 'succeeded');
    if (done.status !== 'active') throw new Error(`promotion ${done.id} is ${done.status}, not active`);
    return done;
  }

  return { http, track, schedule, get, finishRun, activate };
}
