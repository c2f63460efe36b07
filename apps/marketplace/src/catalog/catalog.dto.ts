// REST shapes of `GET /api/marketplace`: the contracts' query and catalog entry (key: marketplace-catalog).
export {
  marketplaceQuerySchema as catalogQuerySchema,
  type MarketplaceQuery as CatalogQuery,
  type MarketplaceCatalogEntry as CatalogEntry,
  type MarketplaceListResponse as CatalogPage,
} from '@mcp-host/contracts';
