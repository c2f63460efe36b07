// The README's topic and route tables are read by people wiring consumers; they must list what the code declares.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROUTES, TOPICS } from '../src';

const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it('when a topic is declared, then the README topic table lists it with its key', () => {
    for (const topic of Object.values(TOPICS))
      expect(readme).toMatch(new RegExp(`\`${topic.name}\`\\s*\\|\\s*\`${topic.key}\``));
  });

  it('when a route is declared, then the README route table lists its method and path', () => {
    for (const route of ROUTES)
      expect(readme).toMatch(new RegExp(`\\| ${route.method}\\s*\\| \`${route.path}\``));
  });
});
