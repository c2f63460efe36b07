// A service's own copy of a registered server, kept from the policy engine's server events (see ServerProjectionModule).
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'servers' })
export class ProjectedServerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  server_type!: string;

  @Column('text', { nullable: true })
  source_repository!: string | null;

  @Column('text', { nullable: true })
  source_branch!: string | null;

  @Column('text', { nullable: true })
  dockerfile_path!: string | null;

  @Column('text', { nullable: true })
  tier!: string | null;

  @Column('text', { nullable: true })
  owner!: string | null;

  @Column('text')
  status!: string;

  /** The policy engine's version of the row; an event older than this is ignored. */
  @Column('integer')
  version!: number;

  @Column('timestamptz')
  created_at!: Date;

  @Column('timestamptz')
  updated_at!: Date;
}

/** A deleted server: remembered so a late or replayed event for it never brings it back. */
@Entity({ name: 'server_tombstones' })
export class ServerTombstoneEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('integer')
  version!: number;

  @Column('timestamptz')
  deleted_at!: Date;
}
