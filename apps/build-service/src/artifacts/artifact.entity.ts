// The artifact ledger: one row per successful git-driven build, and one per platform it published.
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'build_artifact_runs' })
export class ArtifactRunEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') server_id!: string;
  @Column('uuid', { nullable: true }) build_id!: string | null;
  @Column('text') source_repo!: string;
  @Column('text') source_branch!: string;
  @Column('text', { nullable: true }) source_revision!: string | null;
  @Column('text') local_image!: string;
  @Column('text') registry_image!: string;
  @Column('text', { nullable: true }) manifest_tag!: string | null;
  @Column('text', { nullable: true }) manifest_digest!: string | null;
  @Column('timestamptz') started_at!: Date;
  @Column('timestamptz') completed_at!: Date;
  @Column('boolean') multi_arch!: boolean;
  @Column('boolean') auth_refresh_attempted!: boolean;
  @Column('boolean') auth_refresh_succeeded!: boolean;
  @Column('boolean') auth_rotation_attempted!: boolean;
  @Column('boolean') auth_rotation_succeeded!: boolean;
  @Column('text') credential_health_status!: string;
  @Column('text') status!: string;
}

@Entity({ name: 'build_artifact_platforms' })
export class ArtifactPlatformEntity {
  @PrimaryColumn('uuid') artifact_run_id!: string;
  @PrimaryColumn('text') platform!: string;
  @Column('text') remote_image!: string;
  @Column('text', { nullable: true }) digest!: string | null;
  @Column('boolean') auth_refresh_attempted!: boolean;
  @Column('boolean') auth_refresh_succeeded!: boolean;
  @Column('boolean') auth_rotation_attempted!: boolean;
  @Column('boolean') auth_rotation_succeeded!: boolean;
  @Column('text') credential_health_status!: string;
}
