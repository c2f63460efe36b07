// The VM executor's and attestation verifier's configuration variables, parsed once at start with the kit's config.
import { z } from 'zod';
import { envBoolean, envInt, envList } from '@mcp-host/platform';

/** `SERVER_ID=hex+hex,*=hex`: the launch measurements each server's VM may report (`*` for any server). */
const envMeasurementAllowlist = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const out: Record<string, string[]> = {};
    for (const part of (raw ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const i = part.indexOf('=');
      if (i <= 0 || i === part.length - 1) {
        ctx.addIssue({ code: 'custom', message: `must be server_id=hex+hex,… (got "${part}")` });
        return z.NEVER;
      }
      out[part.slice(0, i).trim().toLowerCase()] = part
        .slice(i + 1)
        .split('+')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);
    }
    return out;
  });

/** A JSON Web Key Set given inline: the verifier keys attestation-result tokens must be signed with. */
const envJwks = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw) return { keys: [] as Record<string, unknown>[] };
    try {
      const parsed = JSON.parse(raw) as { keys?: unknown };
      if (!Array.isArray(parsed.keys)) throw new Error('no keys array');
      return { keys: parsed.keys as Record<string, unknown>[] };
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON Web Key Set (${String(err)})` });
      return z.NEVER;
    }
  });

export const vmConfigShape = {
  VM_EXECUTOR_ENABLED: envBoolean(false).describe(
    'Register the VM executor (Firecracker-style VM manager API on a unix socket per instance).',
  ),
  VM_FIRECRACKER_BIN: z
    .string()
    .min(1)
    .default('firecracker')
    .describe('VM manager binary started per instance with --api-sock and --id.'),
  VM_FIRECRACKER_ARGS: envList([]).describe('Arguments given to the VM manager binary before --api-sock.'),
  VM_SOCKET_DIR: z
    .string()
    .min(1)
    .default('/run/mcp-host/vm')
    .describe('Directory of the per-instance API and vsock sockets.'),
  VM_KERNEL_IMAGE: z
    .string()
    .min(1)
    .default('/var/lib/mcp-host/vm/vmlinux')
    .describe('Guest kernel the VM boots.'),
  VM_BOOT_ARGS: z
    .string()
    .default('console=ttyS0 reboot=k panic=1 pci=off')
    .describe('Guest kernel command line.'),
  VM_ROOTFS_DIR: z
    .string()
    .min(1)
    .default('/var/lib/mcp-host/vm/rootfs')
    .describe('Directory of root filesystems, one `<image, / and : replaced by _>.ext4` per image.'),
  VM_VCPUS: envInt(1, 1, 32).describe('vCPUs of a VM.'),
  VM_MEMORY_MB: envInt(256, 64, 65536).describe('Memory of a VM, in MiB.'),
  VM_GUEST_CID: envInt(3, 3, 0xffffffff).describe('vsock context id of the guest.'),
  VM_ATTESTATION_PORT: envInt(5000, 1, 0xffffffff).describe(
    'vsock port the guest attestation agent listens on.',
  ),
  VM_CAPABILITIES: envList(['container', 'confidential']).describe(
    'Capabilities the VM executor advertises.',
  ),
  VM_ATTESTATION_JWKS: envJwks.describe(
    'Verifier key set (inline JSON JWKS) that signs attestation-result (EAR) tokens; empty, every token is refused.',
  ),
  VM_ATTESTATION_ISSUER: z
    .string()
    .optional()
    .describe('Expected `iss` of attestation-result tokens; unset, any issuer signed by the key set.'),
  VM_ATTESTATION_MAX_AGE_SECONDS: envInt(60, 1, 86400).describe(
    'Longest time between the nonce being issued and the token being checked.',
  ),
  VM_ATTESTATION_TIMEOUT_MS: envInt(10000, 100, 600000).describe(
    'Longest the guest agent may take to answer with evidence.',
  ),
  VM_MEASUREMENT_ALLOWLIST: envMeasurementAllowlist.describe(
    'Launch measurements allowed per server (server_id=hex+hex,…; `*` for any server).',
  ),
  VM_MIN_TCB_VERSION: envInt(0, 0, Number.MAX_SAFE_INTEGER).describe('Lowest reported TCB version accepted.'),
  VM_ALLOW_DEBUG: envBoolean(false).describe('Accept guests whose policy allows debugging.'),
  VM_ALLOW_SAMPLE_ATTESTER: envBoolean(false).describe(
    'Accept evidence from a `sample`/test attester (never in production).',
  ),
};

export type VmConfig = z.infer<z.ZodObject<typeof vmConfigShape>>;
