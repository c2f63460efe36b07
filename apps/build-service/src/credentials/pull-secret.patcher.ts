// Rolls the refreshed dockerconfigjson into the Kubernetes pull secret named by K8S_REGISTRY_SECRET_NAME.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { CoreV1Api, KubeConfig, PatchUtils } from '@kubernetes/client-node';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';

const IN_CLUSTER_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

@Injectable()
export class PullSecretPatcher {
  constructor(@InjectConfig() private readonly config: BuildConfig) {}

  get enabled(): boolean {
    return Boolean(this.config.K8S_REGISTRY_SECRET_NAME && this.config.REGISTRY_AUTH_DOCKERCONFIG);
  }

  namespace(): string {
    if (this.config.K8S_NAMESPACE) return this.config.K8S_NAMESPACE;
    if (existsSync(IN_CLUSTER_NAMESPACE)) return readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim();
    return 'default';
  }

  /** Merge-patches `.data[".dockerconfigjson"]` of the pull secret with the current file. */
  async patch(): Promise<{ namespace: string; name: string }> {
    const name = this.config.K8S_REGISTRY_SECRET_NAME!;
    const namespace = this.namespace();
    const kc = new KubeConfig();
    if (this.config.KUBECONFIG) kc.loadFromFile(this.config.KUBECONFIG);
    else kc.loadFromCluster();
    const api = kc.makeApiClient(CoreV1Api);
    const dockerconfig = await readFile(this.config.REGISTRY_AUTH_DOCKERCONFIG!);
    await api.patchNamespacedSecret(
      name,
      namespace,
      {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': dockerconfig.toString('base64') },
      },
      undefined,
      undefined,
      'mcp-host-build-service',
      undefined,
      undefined,
      { headers: { 'Content-Type': PatchUtils.PATCH_FORMAT_STRATEGIC_MERGE_PATCH } },
    );
    return { namespace, name };
  }
}
