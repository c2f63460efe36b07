// Public surface of the marketplace: its root module and definition, for the standalone host.
export { MarketplaceModule, marketplaceDefinition } from './marketplace.module';
