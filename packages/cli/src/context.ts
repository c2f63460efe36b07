// What a command action needs, built from the global options the user passed anywhere on the line.
import type { Command } from 'commander';
import { ApiClient } from './api-client';
import { resolveConnection, type GlobalOptions } from './connection';
import type { CliIo } from './io';
import { Output } from './output';

export interface CommandContext {
  client: ApiClient;
  out: Output;
  io: CliIo;
}

export function contextFor(cmd: Command, io: CliIo): CommandContext {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  return {
    client: new ApiClient(resolveConnection(opts, io), io),
    out: new Output(io, opts.json === true),
    io,
  };
}
