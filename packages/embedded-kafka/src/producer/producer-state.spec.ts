import { ErrorCode } from '../protocol/error-codes';
import { ProducerStateTable } from './producer-state';

describe('ProducerStateTable', () => {
  it('when a batch repeats one of the recent sequences, then it is a duplicate pointing at the original offset', () => {
    const table = new ProducerStateTable();
    table.record(7, 0, 0, 4, 100);
    table.record(7, 0, 5, 4, 105);

    expect(table.check(7, 0, 0, 4)).toEqual({ kind: 'duplicate', baseOffset: 100 });
    expect(table.check(7, 0, 10, 4)).toEqual({ kind: 'append' });
  });

  it('when a batch skips ahead, then it is out of order', () => {
    const table = new ProducerStateTable();
    table.record(7, 0, 0, 4, 0);

    expect(table.check(7, 0, 6, 0)).toEqual({ kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('when an older epoch writes, then it is fenced; a newer epoch starts again at sequence 0', () => {
    const table = new ProducerStateTable();
    table.record(7, 3, 0, 0, 0);

    expect(table.check(7, 2, 1, 0)).toEqual({ kind: 'error', code: ErrorCode.INVALID_PRODUCER_EPOCH });
    expect(table.check(7, 4, 0, 0)).toEqual({ kind: 'append' });
    expect(table.check(7, 4, 1, 0)).toEqual({ kind: 'error', code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  });

  it('when the producer is not idempotent, then every batch is appended', () => {
    expect(new ProducerStateTable().check(-1, -1, -1, 9)).toEqual({ kind: 'append' });
  });
});
