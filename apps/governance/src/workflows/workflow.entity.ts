// A governance workflow definition and its ordered steps.
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'governance_workflows' })
export class GovernanceWorkflowEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  kind!: string;

  @Column('text')
  tier!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('text', { nullable: true })
  created_by!: string | null;

  @Column('timestamptz')
  created_at!: Date;

  @Column('timestamptz')
  updated_at!: Date;
}

@Entity({ name: 'governance_workflow_steps' })
export class GovernanceWorkflowStepEntity {
  @PrimaryColumn('uuid')
  workflow_id!: string;

  @PrimaryColumn('integer')
  position!: number;

  @Column('text')
  name!: string;

  /** What the step does when a run reaches it, e.g. `approve` or `redeploy`; free text until runs execute steps. */
  @Column('text', { nullable: true })
  action!: string | null;

  @Column('text', { nullable: true })
  description!: string | null;
}
