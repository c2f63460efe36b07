// Public surface of the governance service: its root module and definition, for the standalone host.
export { GovernanceModule, governanceDefinition } from './governance.module';
