// Consumer-group membership and rebalancing: joins and leaves (or expired sessions) start a new generation.
import { randomUUID } from 'node:crypto';
import type { ResolvedOptions } from '../broker/broker-options';
import { ErrorCode } from '../protocol/error-codes';
import { Group, JoinResult, Member, SyncResult } from './group';
import { OffsetStore } from './offset-store';

export interface JoinRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  clientId: string;
  clientHost: string;
}

const EMPTY = Buffer.alloc(0);

/** Longest session (and rebalance) timeout a member may ask for. */
const MAX_TIMEOUT_MS = 3_600_000;

/**
 * Retention of an empty group with no session timeout to go by: offsets committed without a generation, or a
 * group read back from the journal at startup. Long enough for a consumer that restarts with the broker to rejoin.
 */
export const DEFAULT_EMPTY_GROUP_RETENTION_MS = 5 * 60_000;

function joinError(error: number, memberId: string): JoinResult {
  return { error, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  /** Groups without members (including those known only by committed offsets): since when, and for how long. */
  private readonly idle = new Map<string, { since: number; retentionMs: number }>();

  constructor(
    private readonly opts: ResolvedOptions,
    readonly offsets: OffsetStore,
  ) {}

  private retentionOf(groupId: string): number {
    return (
      this.opts.emptyGroupRetentionMs ??
      this.groups.get(groupId)?.sessionTimeoutMs ??
      DEFAULT_EMPTY_GROUP_RETENTION_MS
    );
  }

  /** Whether a group not seen before may be created: COORDINATOR_NOT_AVAILABLE (retriable) once maxGroups are held. */
  admit(groupId: string): number {
    if (this.groups.has(groupId) || this.offsets.hasGroup(groupId)) return ErrorCode.NONE;
    let held = this.groups.size;
    for (const id of this.offsets.groupIds()) if (!this.groups.has(id)) held++;
    if (held < this.opts.maxGroups) return ErrorCode.NONE;
    this.opts.logger.debug(`group ${groupId} refused: ${held} groups held (maxGroups)`);
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /** Restarts the empty-group clock of a group without members (a commit by a standalone consumer, say). */
  touch(groupId: string, now = Date.now()): void {
    const group = this.groups.get(groupId);
    if (group && group.members.size > 0) return;
    this.idle.set(groupId, { since: now, retentionMs: this.retentionOf(groupId) });
  }

  /**
   * Removes groups that have had no members for their retention, with their committed offsets (Kafka's
   * offsets.retention for empty groups). Groups with members keep everything. Returns how many went.
   */
  expireEmptyGroups(now = Date.now()): number {
    const seen = new Set<string>();
    let removed = 0;
    for (const id of [...this.groups.keys(), ...this.offsets.groupIds()]) {
      if (seen.has(id)) continue;
      seen.add(id);
      const group = this.groups.get(id);
      if (group && group.members.size > 0) {
        this.idle.delete(id);
        continue;
      }
      const idle = this.idle.get(id);
      if (!idle) {
        this.touch(id, now);
        continue;
      }
      if (now - idle.since < idle.retentionMs) continue;
      if (group?.rebalanceTimer) clearTimeout(group.rebalanceTimer);
      this.groups.delete(id);
      this.idle.delete(id);
      if (this.offsets.hasGroup(id)) this.offsets.deleteGroup(id);
      removed++;
      this.opts.logger.debug(`group ${id}: removed after ${idle.retentionMs} ms without members`);
    }
    for (const id of this.idle.keys()) if (!seen.has(id)) this.idle.delete(id);
    return removed;
  }

  join(req: JoinRequest): Promise<JoinResult> {
    if (!req.groupId) return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (req.sessionTimeoutMs < 1 || req.sessionTimeoutMs > MAX_TIMEOUT_MS) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    let group = this.groups.get(req.groupId);
    if (req.memberId && !group?.members.has(req.memberId)) {
      return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
    if (!group) {
      const refused = this.admit(req.groupId);
      if (refused !== ErrorCode.NONE) return Promise.resolve(joinError(refused, req.memberId));
      this.groups.set(req.groupId, (group = new Group(req.groupId)));
    }
    if (!req.memberId && group.members.size >= this.opts.maxGroupMembers) {
      return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, req.memberId));
    }
    if (group.members.size > 0 && !this.compatible(group, req)) {
      return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    }
    const memberId = req.memberId || `${req.clientId}-${randomUUID()}`;
    let member = group.members.get(memberId);
    if (!member) {
      member = {
        id: memberId,
        groupInstanceId: req.groupInstanceId,
        clientId: req.clientId,
        clientHost: req.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocols: req.protocols,
        assignment: EMPTY,
      };
      group.members.set(memberId, member);
      if (!group.leader) group.leader = memberId;
    }
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    group.sessionTimeoutMs = req.sessionTimeoutMs;
    this.idle.delete(group.id);
    // Bounded like the session timeout: a member that never rejoins is dropped when its rebalance times out.
    member.rebalanceTimeoutMs = Math.min(Math.max(req.rebalanceTimeoutMs, 0), MAX_TIMEOUT_MS);
    member.protocols = req.protocols;
    group.protocolType = req.protocolType;
    const g = group;
    const m = member;
    return new Promise<JoinResult>((resolve) => {
      m.joinWaiter?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, m.id));
      m.joinWaiter = resolve;
      // While waiting for the others, the rebalance timeout governs this member, not its session.
      if (m.sessionTimer) clearTimeout(m.sessionTimer);
      if (g.state === 'PreparingRebalance') this.tryCompleteJoin(g);
      else this.prepareRebalance(g);
    });
  }

  private compatible(group: Group, req: JoinRequest): boolean {
    if (group.protocolType !== req.protocolType) return false;
    const names = new Set(req.protocols.map((p) => p.name));
    for (const m of group.members.values()) {
      if (m.id === req.memberId) continue;
      if (!m.protocols.some((p) => names.has(p.name))) return false;
    }
    return true;
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      for (const m of group.members.values()) {
        m.assignment = EMPTY;
        const waiter = m.syncWaiter;
        m.syncWaiter = undefined;
        waiter?.({ error: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      }
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.opts.logger.debug(`group ${group.id}: preparing rebalance from generation ${group.generation}`);
    const timeout = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = setTimeout(() => this.guard(() => this.completeJoin(group)), timeout).unref();
    const delay = wasEmpty ? this.opts.groupInitialRebalanceDelayMs : 0;
    if (delay > 0) {
      group.initialDelayUntil = Date.now() + delay;
      setTimeout(() => this.guard(() => this.tryCompleteJoin(group)), delay).unref();
    } else {
      group.initialDelayUntil = 0;
      this.tryCompleteJoin(group);
    }
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || Date.now() < group.initialDelayUntil) return;
    for (const m of group.members.values()) if (!m.joinWaiter) return;
    this.completeJoin(group);
  }

  /** Forms the next generation from the members that rejoined; the rest are dropped. */
  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    for (const m of [...group.members.values()]) {
      if (!m.joinWaiter) this.dropMember(group, m, 'did not rejoin in time');
    }
    group.generation++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocol = null;
      group.leader = null;
      this.touch(group.id);
      return;
    }
    const members = [...group.members.values()];
    if (!group.leader || !group.members.has(group.leader)) group.leader = members[0].id;
    const leader = group.members.get(group.leader) as Member;
    const protocol = leader.protocols.find((p) =>
      members.every((m) => m.protocols.some((q) => q.name === p.name)),
    );
    group.protocol = protocol?.name ?? leader.protocols[0]?.name ?? '';
    group.state = 'CompletingRebalance';
    this.opts.logger.debug(
      `group ${group.id}: generation ${group.generation} with ${members.length} members`,
    );
    const memberList = members.map((m) => ({
      memberId: m.id,
      groupInstanceId: m.groupInstanceId,
      metadata: m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY,
    }));
    for (const m of members) {
      const waiter = m.joinWaiter;
      m.joinWaiter = undefined;
      this.armSession(group, m);
      waiter?.({
        error: ErrorCode.NONE,
        generationId: group.generation,
        protocolName: group.protocol,
        leader: group.leader,
        memberId: m.id,
        members: m.id === group.leader ? memberList : [],
      });
    }
  }

  private armSession(group: Group, m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    m.sessionTimer = setTimeout(() => {
      if (group.members.get(m.id) !== m || m.joinWaiter) return;
      this.opts.logger.debug(`group ${group.id}: member ${m.id} session expired`);
      this.guard(() => this.removeMember(group, m, 'session expired'));
    }, m.sessionTimeoutMs).unref();
  }

  private dropMember(group: Group, m: Member, why: string): void {
    this.opts.logger.debug(`group ${group.id}: removing member ${m.id} (${why})`);
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    group.members.delete(m.id);
    const join = m.joinWaiter;
    const sync = m.syncWaiter;
    m.joinWaiter = undefined;
    m.syncWaiter = undefined;
    join?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.id));
    sync?.({ error: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (group.leader === m.id) group.leader = group.members.keys().next().value ?? null;
  }

  /** Timer callbacks run outside any request; an error there is logged instead of ending the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.logger.error(`group coordinator: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private removeMember(group: Group, m: Member, why: string): void {
    this.dropMember(group, m, why);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(group);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      case 'Empty':
      case 'Dead':
        break;
    }
  }

  sync(
    groupId: string,
    generation: number,
    memberId: string,
    assignments: Map<string, Buffer>,
  ): Promise<SyncResult> {
    const group = this.groups.get(groupId);
    const m = group?.members.get(memberId);
    if (!group || !m) return Promise.resolve({ error: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    if (generation !== group.generation)
      return Promise.resolve({ error: ErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    switch (group.state) {
      case 'PreparingRebalance':
        return Promise.resolve({ error: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      case 'Stable':
        this.armSession(group, m);
        return Promise.resolve({ error: ErrorCode.NONE, assignment: m.assignment });
      case 'Empty':
      case 'Dead':
        return Promise.resolve({ error: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
      case 'CompletingRebalance':
        break;
    }
    this.armSession(group, m);
    return new Promise<SyncResult>((resolve) => {
      m.syncWaiter = resolve;
      if (memberId !== group.leader) return;
      for (const member of group.members.values()) member.assignment = assignments.get(member.id) ?? EMPTY;
      group.state = 'Stable';
      for (const member of group.members.values()) {
        const waiter = member.syncWaiter;
        member.syncWaiter = undefined;
        waiter?.({ error: ErrorCode.NONE, assignment: member.assignment });
      }
    });
  }

  heartbeat(groupId: string, generation: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const m = group?.members.get(memberId);
    if (!group || !m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generation !== group.generation) return ErrorCode.ILLEGAL_GENERATION;
    switch (group.state) {
      case 'PreparingRebalance':
        this.armSession(group, m);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.armSession(group, m);
        return ErrorCode.NONE;
      case 'Empty':
      case 'Dead':
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const m = group?.members.get(memberId);
    if (!group || !m) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMember(group, m, 'left the group');
    return ErrorCode.NONE;
  }

  /** Whether a member may commit offsets now, following Kafka's generation checks. */
  validateCommit(groupId: string, generation: number, memberId: string): number {
    const group = this.groups.get(groupId);
    if (generation < 0 && !memberId) {
      return group && group.members.size > 0 ? ErrorCode.UNKNOWN_MEMBER_ID : this.admit(groupId);
    }
    const m = group?.members.get(memberId);
    if (!group || !m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generation !== group.generation) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state !== 'Stable') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.armSession(group, m);
    return ErrorCode.NONE;
  }

  groupIds(): string[] {
    const ids = new Set(this.offsets.groupIds());
    for (const g of this.groups.values()) if (g.members.size > 0 || g.generation > 0) ids.add(g.id);
    return [...ids];
  }

  delete(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group && group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    if (!group && !this.offsets.hasGroup(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND;
    this.groups.delete(groupId);
    this.idle.delete(groupId);
    this.offsets.deleteGroup(groupId);
    return ErrorCode.NONE;
  }

  close(): void {
    for (const group of this.groups.values()) {
      if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
      for (const m of group.members.values()) if (m.sessionTimer) clearTimeout(m.sessionTimer);
    }
  }
}
