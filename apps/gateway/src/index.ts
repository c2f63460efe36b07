// Public surface of the gateway: its root module and definition, for the standalone host.
export { GatewayModule, gatewayDefinition } from './gateway.module';
export { gatewayConfigShape, type GatewayConfig } from './gateway.config';
