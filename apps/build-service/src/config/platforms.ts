// The target platforms a build may ask for, in the `os/arch[/variant]` spelling of the engine and the OCI index.
export const SUPPORTED_PLATFORMS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/v7',
  'linux/arm/v6',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
] as const;

export interface ParsedPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export function isSupportedPlatform(p: string): boolean {
  return (SUPPORTED_PLATFORMS as readonly string[]).includes(p);
}

export function parsePlatform(p: string): ParsedPlatform {
  const [os, architecture, variant] = p.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** The tag suffix of a platform's own image, e.g. `linux-arm64`, `linux-arm-v7`. */
export function platformTagSuffix(p: string): string {
  return p.split('/').join('-');
}

/** The inverse of platformTagSuffix for tags this service wrote; undefined for any other tag. */
export function platformOfTagSuffix(tag: string, base: string): string | undefined {
  if (!tag.startsWith(`${base}-`)) return undefined;
  const rest = tag.slice(base.length + 1);
  return SUPPORTED_PLATFORMS.find((p) => platformTagSuffix(p) === rest);
}
