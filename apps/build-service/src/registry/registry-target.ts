// The registry coordinates of a server's image, derived from REGISTRY_URL: endpoint, repository path and scopes.
export interface RegistryTarget {
  /** `host[:port]`, the `registry_endpoint` of every metric. */
  endpoint: string;
  /** The repository path inside the registry, `<namespace>/<server name>`. */
  repository: string;
  /** `<endpoint>/<repository>`, the image name without tag. */
  image: string;
  /** `repository:<repository>:push` and `:pull`. */
  scopes: string[];
}

export function registryTargetOf(registryUrl: string, serverName: string): RegistryTarget {
  const slash = registryUrl.indexOf('/');
  const endpoint = registryUrl.slice(0, slash);
  const namespace = registryUrl.slice(slash + 1).replace(/\/+$/, '');
  const repository = `${namespace}/${serverName.toLowerCase()}`;
  return {
    endpoint,
    repository,
    image: `${endpoint}/${repository}`,
    scopes: [`repository:${repository}:push`, `repository:${repository}:pull`],
  };
}
