import { resolveOptions } from '../broker/broker-options';
import { ErrorCode } from '../protocol/error-codes';
import { GroupCoordinator, JoinRequest } from './group-coordinator';
import { OffsetStore } from './offset-store';

function joinRequest(memberId = '', sessionTimeoutMs = 200): JoinRequest {
  return {
    groupId: 'g',
    sessionTimeoutMs,
    rebalanceTimeoutMs: 300,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('m') }],
    clientId: 'c',
    clientHost: '127.0.0.1',
  };
}

describe('GroupCoordinator', () => {
  let coordinator: GroupCoordinator;

  beforeEach(() => {
    const opts = resolveOptions({});
    coordinator = new GroupCoordinator(opts, new OffsetStore(opts));
  });

  afterEach(() => {
    coordinator.close();
  });

  it('when a second member joins, then the first sees REBALANCE_IN_PROGRESS and both land in the next generation', async () => {
    const a = await coordinator.join(joinRequest('', 5000));
    await coordinator.sync('g', a.generationId, a.memberId, new Map([[a.memberId, Buffer.from('all')]]));

    const bJoining = coordinator.join(joinRequest('', 5000));
    const heartbeat = coordinator.heartbeat('g', a.generationId, a.memberId);
    const aRejoin = await coordinator.join(joinRequest(a.memberId, 5000));
    const b = await bJoining;

    expect(heartbeat).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(aRejoin.generationId).toBe(a.generationId + 1);
    expect(b.generationId).toBe(a.generationId + 1);
    expect(aRejoin.leader).toBe(a.memberId);
    expect(aRejoin.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(b.members).toEqual([]);
  });

  it('when a member stops heartbeating, then its session expires and the others move to a new generation', async () => {
    const a = await coordinator.join(joinRequest('', 5000));
    const bJoining = coordinator.join(joinRequest('', 150));
    const aRejoin = await coordinator.join(joinRequest(a.memberId, 5000));
    const b = await bJoining;
    const assignments = new Map([
      [a.memberId, Buffer.from('a')],
      [b.memberId, Buffer.from('b')],
    ]);
    await Promise.all([
      coordinator.sync('g', aRejoin.generationId, a.memberId, assignments),
      coordinator.sync('g', b.generationId, b.memberId, new Map()),
    ]);

    const keepAlive = setInterval(() => coordinator.heartbeat('g', aRejoin.generationId, a.memberId), 30);
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(keepAlive);
    const afterExpiry = coordinator.heartbeat('g', aRejoin.generationId, a.memberId);
    const alone = await coordinator.join(joinRequest(a.memberId, 5000));

    expect(afterExpiry).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(alone.generationId).toBe(aRejoin.generationId + 1);
    expect(alone.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(coordinator.heartbeat('g', b.generationId, b.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('when a member of an old generation commits, then it gets ILLEGAL_GENERATION', async () => {
    const a = await coordinator.join(joinRequest('', 5000));
    await coordinator.sync('g', a.generationId, a.memberId, new Map());

    expect(coordinator.validateCommit('g', a.generationId, a.memberId)).toBe(ErrorCode.NONE);
    expect(coordinator.validateCommit('g', a.generationId - 1, a.memberId)).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    expect(coordinator.validateCommit('g', a.generationId, 'stranger')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('when the last member leaves, then the group is empty and can be deleted', async () => {
    const a = await coordinator.join(joinRequest('', 5000));
    await coordinator.sync('g', a.generationId, a.memberId, new Map());

    expect(coordinator.delete('g')).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect(coordinator.leave('g', a.memberId)).toBe(ErrorCode.NONE);
    expect(coordinator.groups.get('g')?.state).toBe('Empty');
    expect(coordinator.delete('g')).toBe(ErrorCode.NONE);
  });
});
