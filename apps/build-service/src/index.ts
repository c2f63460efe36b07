// Public surface of the build service: its root module and definition, for the standalone host.
export { BuildServiceModule, buildServiceDefinition } from './build-service.module';
