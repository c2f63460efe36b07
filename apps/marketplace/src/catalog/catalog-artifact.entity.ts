// One artifact run as the catalog holds it: the ledger fields plus the health grade derived when it was stored.
import type { ArtifactPlatform } from '@mcp-host/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'catalog_artifacts' })
export class CatalogArtifactEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid')
  server_id!: string;

  @Column('uuid', { nullable: true })
  build_id!: string | null;

  @Column('text')
  source_repo!: string;

  @Column('text')
  source_branch!: string;

  @Column('text', { nullable: true })
  source_revision!: string | null;

  @Column('text')
  local_image!: string;

  @Column('text')
  registry_image!: string;

  @Column('text', { nullable: true })
  manifest_tag!: string | null;

  @Column('text', { nullable: true })
  manifest_digest!: string | null;

  @Column('timestamptz')
  started_at!: Date;

  @Column('timestamptz')
  completed_at!: Date;

  @Column('boolean')
  multi_arch!: boolean;

  @Column('boolean')
  auth_refresh_attempted!: boolean;

  @Column('boolean')
  auth_refresh_succeeded!: boolean;

  @Column('boolean')
  auth_rotation_attempted!: boolean;

  @Column('boolean')
  auth_rotation_succeeded!: boolean;

  @Column('text')
  credential_health_status!: string;

  @Column('text')
  status!: string;

  @Column('jsonb')
  platforms!: ArtifactPlatform[];

  /** `gold`, `silver` or `watchlist`; the tier is this grade joined with the server type at read time. */
  @Column('text')
  health_grade!: string;

  @Column('jsonb')
  health_issues!: string[];

  @Column('timestamptz')
  updated_at!: Date;
}
