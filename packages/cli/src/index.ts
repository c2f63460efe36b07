// Public surface of @mcp-host/cli: the program, for embedding and tests.
export { buildProgram, run } from './program';
export { COMMAND_ROUTES, LOCAL_COMMANDS } from './api-routes';
export type { CliIo } from './io';
