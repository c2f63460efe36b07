// Runs the marketplace alone: node apps/marketplace/dist/main.js
import { startTelemetry } from '@mcp-host/platform/telemetry';
startTelemetry('marketplace');
import { runService } from '@mcp-host/platform';
import { MarketplaceModule } from './marketplace.module';

void runService(() => MarketplaceModule.forRoot());
