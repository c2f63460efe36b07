// Everything the CLI touches outside itself, injectable so tests drive the program without a process or a network stub.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'undici';

export type Env = Readonly<Record<string, string | undefined>>;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  exit: (code: number) => void;
  env: Env;
  /** undici's `request`; tests keep the real one and point `--url` at a stub server. */
  request: typeof request;
  /** Spinners only draw when stderr is a terminal, so pipes and CI logs stay clean. */
  stderrIsTTY: boolean;
  /** Reads a token file, or returns undefined when it does not exist. */
  readFile: (path: string) => string | undefined;
  cwd: () => string;
}

export function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    exit: (code) => {
      process.exitCode = code;
    },
    env: process.env,
    request,
    stderrIsTTY: process.stderr.isTTY === true,
    readFile: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    cwd: () => process.cwd(),
  };
}
