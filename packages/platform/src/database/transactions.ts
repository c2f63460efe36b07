// The only way a service reaches its database: every query runs on a manager handed in here, so a lookup inside a
// transaction can never wait for a second pool connection while its own transaction holds one.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

export type Manager = EntityManager;

@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `fn` in one transaction; every repository call inside it must use the `m` it is given. */
  run<T>(fn: (m: Manager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /** Runs read-only work outside a transaction, on the pool's manager (one connection per query). */
  read<T>(fn: (m: Manager) => Promise<T>): Promise<T> {
    return fn(this.dataSource.manager);
  }
}
