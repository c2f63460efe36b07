// A build run: queued, running, then succeeded or failed with its stage and reason.
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'build_runs' })
export class BuildRunEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') server_id!: string;
  @Column('text') status!: string;
  @Column('text', { array: true }) platforms!: string[];
  @Column('text') source_kind!: string;
  @Column('text', { nullable: true }) source_repository!: string | null;
  @Column('text', { nullable: true }) source_branch!: string | null;
  @Column('text', { nullable: true }) source_revision!: string | null;
  @Column('text') dockerfile_path!: string;
  @Column('text', { nullable: true }) registry_image!: string | null;
  @Column('text', { nullable: true }) manifest_digest!: string | null;
  @Column('uuid', { nullable: true }) artifact_run_id!: string | null;
  @Column('text', { nullable: true }) stage!: string | null;
  @Column('text', { nullable: true }) error_kind!: string | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('text', { nullable: true }) requested_by!: string | null;
  @Column('text', { nullable: true }) idempotency_key!: string | null;
  /** The last progress line number committed, so a recovering replica continues the sequence. */
  @Column('integer') log_sequence!: number;
  @Column('timestamptz') started_at!: Date;
  @Column('timestamptz', { nullable: true }) completed_at!: Date | null;
  @Column('timestamptz') heartbeat_at!: Date;
}
