// Runs the embedded-kafka bin as a child process so tests can kill -9 it like a real crash.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

export interface BrokerProcess {
  broker: string;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

const PACKAGE_DIR = path.resolve(__dirname, '..', '..');

export function startBrokerProcess(args: string[]): Promise<BrokerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', '--port', '0', ...args], {
    cwd: PACKAGE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${err}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ broker: line.trim(), child, stderr: () => err, exited });
      }
    });
    child.on('exit', (code) => reject(new Error(`broker exited with ${code}: ${err}`)));
  });
}
