import { buildParallelism, type BuildConfig } from '../config/build-config';
import { platformOfTagSuffix, platformTagSuffix } from '../config/platforms';
import { parseChallenge } from './registry-client';
import { registryTargetOf } from './registry-target';

describe('registryTargetOf', () => {
  it('when REGISTRY_URL is host:port/namespace, then the image, endpoint and scopes derive from it', () => {
    expect(registryTargetOf('registry.local:5000/mcp/team', 'Weather-Bot')).toEqual({
      endpoint: 'registry.local:5000',
      repository: 'mcp/team/weather-bot',
      image: 'registry.local:5000/mcp/team/weather-bot',
      scopes: ['repository:mcp/team/weather-bot:push', 'repository:mcp/team/weather-bot:pull'],
    });
  });
});

describe('platform tags', () => {
  it('when a platform is written as a tag suffix, then it reads back', () => {
    expect(platformTagSuffix('linux/arm/v7')).toBe('linux-arm-v7');
    expect(platformOfTagSuffix('abc123-linux-arm-v7', 'abc123')).toBe('linux/arm/v7');
    expect(platformOfTagSuffix('abc123-linux-sparc', 'abc123')).toBeUndefined();
  });
});

describe('parseChallenge', () => {
  it('when the registry asks for a bearer token, then realm, service and scope are read', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull',
      },
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
  });
});

describe('buildParallelism', () => {
  const config = (n: number) => ({ REGISTRY_BUILD_PARALLELISM: n }) as BuildConfig;
  it('when unset, then the CPU count capped at the targets; when set, then that capped at the targets', () => {
    expect(buildParallelism(config(0), 1)).toBe(1);
    expect(buildParallelism(config(0), 64)).toBeLessThanOrEqual(64);
    expect(buildParallelism(config(2), 5)).toBe(2);
    expect(buildParallelism(config(8), 3)).toBe(3);
  });
});
