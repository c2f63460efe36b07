// The key posture a launch decision carries: every provider key bound to the server (a binding of type `server`
// whose target is the server id), its posture against the clock, and the veto. A revoked key or one whose rotation
// is overdue vetoes the launch with a `key:<posture>:<provider>:<key>` note per offending key.
import { Injectable } from '@nestjs/common';
import type { KeyPosture } from '@mcp-host/contracts';
import { InjectConfig, type Manager } from '@mcp-host/platform';
import { computePosture, postureVetoes, ProviderKeyClock } from './provider-key.posture';
import type { ProviderKeysConfig } from './provider-keys.config';
import type { ProviderKeyRow } from './provider-key.repository';

export interface KeyGateResult {
  key_posture: KeyPosture;
  notes: string[];
  vetoed: boolean;
}

// Worst first: the posture reported at the top of the payload is the first present in this order.
const SEVERITY = ['revoked', 'rotation_overdue', 'rotating', 'rotation_due_soon', 'active'];

@Injectable()
export class ProviderKeyGate {
  constructor(
    private readonly clock: ProviderKeyClock,
    @InjectConfig() private readonly config: ProviderKeysConfig,
  ) {}

  async evaluate(m: Manager, serverId: string): Promise<KeyGateResult> {
    const rows = (await m.query(
      `SELECT DISTINCT k.id, k.provider_id, k.state, k.rotation_due FROM provider_key_bindings b
       JOIN provider_keys k ON k.id = b.key_id
       WHERE b.binding_type = 'server' AND b.binding_target = $1 ORDER BY k.id`,
      [serverId],
    )) as Pick<ProviderKeyRow, 'id' | 'provider_id' | 'state' | 'rotation_due'>[];
    const now = this.clock.now();
    const soonMs = this.config.PROVIDER_KEYS_ROTATION_SOON_DAYS * 86_400_000;
    const keys = rows.map((r) => {
      const state = computePosture(r.state, r.rotation_due, now, soonMs);
      return {
        provider_id: r.provider_id,
        key_id: r.id,
        state,
        rotation_due: r.rotation_due === null ? null : new Date(r.rotation_due).toISOString(),
        vetoed: postureVetoes(state),
      };
    });
    const notes = keys.filter((k) => k.vetoed).map((k) => `key:${k.state}:${k.provider_id}:${k.key_id}`);
    const worst = [...keys].sort((a, b) => SEVERITY.indexOf(a.state) - SEVERITY.indexOf(b.state))[0];
    const vetoed = notes.length > 0;
    return {
      key_posture: worst
        ? { ...worst, vetoed, evaluated_at: now.toISOString(), keys }
        : {
            provider_id: '',
            key_id: null,
            state: 'unbound',
            rotation_due: null,
            vetoed: false,
            evaluated_at: now.toISOString(),
            keys: [],
          },
      notes,
      vetoed,
    };
  }
}
