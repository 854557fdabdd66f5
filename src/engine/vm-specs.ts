/** The base's and the nodes' VM settings, in one place for `lab up` and `lab plan --commands` alike. */
import type { ResolvedLab, ResolvedNode } from '../lab/resolve.js'
import { macFor } from '../lab/resolve.js'
import { vmName } from '../lab/vm-names.js'
import type { ProviderName } from '../lab/schema.js'
import type { BaseSource, BaseSpec, CloneSpec, NetworkHandle } from '../providers/provider.js'

/** Snapshot of the finished base the nodes link to; each node's snapshot right after cloning. */
export const BASE_SNAPSHOT = 'vmlab-base'
export const CLEAN_SNAPSHOT = 'clean'

/** The base is installed once with the largest node's size: enough memory for any installer of the lab. */
export function baseSpec(lab: ResolvedLab, name: string, source: BaseSource, network: NetworkHandle): BaseSpec {
  const largest = lab.nodes.reduce((a, n) => (n.memory > a.memory ? n : a), lab.nodes[0]!)
  return {
    name,
    os: lab.os,
    cpus: largest.cpus,
    memoryMiB: Math.max(largest.memory, lab.os.minMemoryMiB),
    diskGiB: Math.max(...lab.nodes.map((n) => n.disk)),
    source,
    network,
    installTimeoutMs: 90 * 60_000,
  }
}

export function cloneSpec(lab: ResolvedLab, node: ResolvedNode, provider: ProviderName, base: string, network: NetworkHandle, seedIso: string): CloneSpec {
  return {
    name: vmName(lab, node),
    base,
    baseSnapshot: BASE_SNAPSHOT,
    cpus: node.cpus,
    memoryMiB: node.memory,
    mac: macFor(lab, node, provider),
    seedIso,
    network,
    forwards: node.forwards,
    initialSnapshot: CLEAN_SNAPSHOT,
  }
}
