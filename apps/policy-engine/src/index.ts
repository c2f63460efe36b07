// Public surface of the policy engine: its root module and definition, for the standalone host.
export { PolicyEngineModule, policyEngineDefinition } from './policy-engine.module';
