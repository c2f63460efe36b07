// A registered MCP server: the row every other service refers to by id.
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'servers' })
export class ServerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { unique: true })
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

  @Column('integer')
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  created_at!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at!: Date;
}
