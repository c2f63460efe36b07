// Answers a server's capability intelligence from the projected signals: scores over the last 7 days (remediation
// only once the server has a remediation signal), the status, and the anomaly notes of the last 24 hours.
import { Injectable } from '@nestjs/common';
import type { IntelligenceSignal, ServerIntelligence } from '@mcp-host/contracts';
import { Transactions } from '@mcp-host/platform';
import { IntelligenceErrorCode, IntelligenceException } from './intelligence.exception';
import { IntelligenceRepository } from './intelligence.repository';
import { SCORE_WINDOW_MS, remediationScoreOf, scoresOf, statusOf } from './intelligence.rules';

@Injectable()
export class IntelligenceService {
  constructor(
    private readonly repo: IntelligenceRepository,
    private readonly tx: Transactions,
  ) {}

  async get(serverId: string, now: Date = new Date()): Promise<ServerIntelligence> {
    return this.tx.read(async (m) => {
      if (!(await this.repo.serverExists(m, serverId))) {
        throw new IntelligenceException(
          IntelligenceErrorCode.SERVER_NOT_FOUND,
          `No server with id ${serverId}.`,
        );
      }
      const counts = await this.repo.counts(m, serverId, new Date(now.getTime() - SCORE_WINDOW_MS));
      const latestCredential = await this.repo.latestCredential(m, serverId);
      const anomalies = await this.repo.recentAnomalies(m, serverId, new Date(now.getTime() - 86_400_000));
      const byName: Partial<Record<IntelligenceSignal, number>> = {};
      for (const c of counts) byName[c.signal] = c.n;
      const remediation = remediationScoreOf(byName);
      const scores = {
        ...scoresOf(byName, latestCredential),
        ...(remediation === undefined ? {} : { remediation }),
      };
      const known = Object.values(scores).filter((s): s is number => s !== null);
      const overall = known.length ? Math.round(known.reduce((a, b) => a + b, 0) / known.length) : null;
      const last = counts.reduce<Date | null>(
        (a, c) => (a === null || c.last > a ? new Date(c.last) : a),
        null,
      );
      return {
        server_id: serverId,
        status: statusOf(overall, anomalies.length),
        overall_score: overall,
        scores,
        signals: byName as Record<string, number>,
        anomalies: anomalies.map((a) => ({
          signal: a.signal,
          last_hour: a.last_hour,
          baseline_per_hour: Number(a.baseline_per_hour),
          note: a.note,
          detected_at: new Date(a.detected_at).toISOString(),
        })),
        updated_at: last === null ? null : last.toISOString(),
      };
    });
  }
}
