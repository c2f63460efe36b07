#!/usr/bin/env node
// The `mcpctl` executable.
import { run } from './program';

void run(process.argv.slice(2));
