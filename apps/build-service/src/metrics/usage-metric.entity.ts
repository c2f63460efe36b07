// One registry usage metric of a server (tag, push, retry, credential, manifest events) with its raw details.
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'usage_metrics' })
export class UsageMetricEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  server_id!: string;

  @Column('uuid', { nullable: true })
  build_id!: string | null;

  @Column('text')
  event!: string;

  @Column('jsonb')
  details!: Record<string, unknown>;

  @Column('timestamptz')
  created_at!: Date;
}
