// Test support other services use (`@mcp-host/policy-engine/testing`); never loaded by the service itself.
export { startHarness, type Harness } from './service-harness';
