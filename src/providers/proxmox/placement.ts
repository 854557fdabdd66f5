/**
 * Which cluster node a new VM goes to. A linked clone shares its template's base disk, so it can only live
 * where that disk is reachable: on the template's own node, or on any node when the disk's storage is shared
 * (Ceph, NFS, …). PVE refuses a linked clone to another node on local storage rather than copying; a full copy
 * would take minutes and the template's size per node, which defeats the seconds a lab reset is about. So:
 * among the nodes a clone may go to, the one with the most free memory, counting what this run placed already.
 */
export interface ClusterNode {
  node: string
  status: string
  maxmem: number
  mem: number
}

export interface PlacementInput {
  nodes: ClusterNode[]
  /** Nodes the lab may use (all when undefined). */
  allowed?: string[]
  /** The template's node, and whether its disks' storage is shared; undefined for a VM made from nothing. */
  template?: { node: string; sharedStorage: boolean }
  /** Memory already promised to VMs this run put on a node, in bytes. */
  placed: Record<string, number>
  memoryBytes: number
}

/** The node for one VM, or a reason none fits. */
export function placeVm(p: PlacementInput): { node: string } | { problem: string } {
  const online = p.nodes.filter((n) => n.status === 'online' && (p.allowed === undefined || p.allowed.includes(n.node)))
  const reachable = p.template && !p.template.sharedStorage ? online.filter((n) => n.node === p.template!.node) : online
  if (reachable.length === 0)
    return {
      problem:
        p.template && !p.template.sharedStorage
          ? `the template lives on ${p.template.node}, whose storage is not shared, and that node is not online or not allowed`
          : 'no allowed cluster node is online',
    }
  const free = (n: ClusterNode) => n.maxmem - n.mem - (p.placed[n.node] ?? 0)
  const best = reachable.reduce((a, n) => (free(n) > free(a) ? n : a))
  if (free(best) < p.memoryBytes) return { problem: `no node has ${Math.round(p.memoryBytes / 2 ** 20)} MiB free (most: ${best.node} with ${Math.round(free(best) / 2 ** 20)} MiB)` }
  return { node: best.node }
}
