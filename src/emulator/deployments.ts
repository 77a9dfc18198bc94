// The deployments store: deployments created through the API, each a list of releases (an update
// makes a new release). Predictions to a deployment run its current release's version.

export interface DeploymentRelease {
  number: number;
  model: string;
  version: string;
  createdAtMs: number;
  hardware: string;
  minInstances: number;
  maxInstances: number;
}

export interface DeploymentRecord {
  owner: string;
  name: string;
  /** Oldest first; the last is the current release. */
  releases: DeploymentRelease[];
}

export class DeploymentStore {
  private readonly byName = new Map<string, DeploymentRecord>();

  get(owner: string, name: string): DeploymentRecord | undefined {
    return this.byName.get(`${owner}/${name}`);
  }

  add(record: DeploymentRecord): void {
    this.byName.set(`${record.owner}/${record.name}`, record);
  }

  delete(owner: string, name: string): boolean {
    return this.byName.delete(`${owner}/${name}`);
  }

  /** Newest first. */
  list(): DeploymentRecord[] {
    return [...this.byName.values()].reverse();
  }

  /** Whether a deployment's current release runs this version (such a version cannot be deleted). */
  usesVersion(version: string): boolean {
    return [...this.byName.values()].some((d) => d.releases.at(-1)?.version === version);
  }

  clear(): void {
    this.byName.clear();
  }
}
