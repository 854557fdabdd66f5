/** `lab status`: what exists and how it is, asked of the hypervisor and the nodes themselves, in parallel. */
import { createConnection } from 'node:net'
import { vmName } from '../lab/vm-names.js'
import type { VmState } from '../providers/provider.js'
import type { LabContext } from './lab-context.js'

export interface NodeStatus {
  node: string
  vm: string
  state: VmState
  ip: string
  ssh: { host: string; port: number; reachable: boolean } | undefined
  snapshots: string[]
  modules: Record<string, { status: string; at: string; reason?: string }>
  diskBytes?: number
  /** Of diskBytes, the memory saved by live snapshots. */
  snapshotMemoryBytes?: number
  /** Bytes of memory state per snapshot, where the provider tells (0: disks only). */
  snapshotMemory?: Record<string, number>
}

export interface LabStatus {
  lab: string
  provider: string
  product: string
  base?: { name: string; state: VmState; diskBytes?: number }
  network?: { id: string; created: boolean }
  nodes: NodeStatus[]
  diskBytes?: number
}

/**
 * An SSH server answers with its banner; a TCP accept alone (user-mode NAT) proves nothing. A guest that is up
 * can be slow to send it (an emulated node right after a live snapshot re-reads sshd from disk), so the wait is
 * long, while a refusal (the NAT closes the connection when nothing listens in the guest) answers at once.
 */
export function sshBanner(host: string, port: number, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
    socket.once('data', (d) => done(d.toString('latin1').startsWith('SSH-')))
  })
}

export async function status(ctx: LabContext): Promise<LabStatus> {
  const { provider, loaded, state, info } = ctx
  const lab = loaded.lab
  const nodes = await Promise.all(
    lab.nodes.map(async (n): Promise<NodeStatus> => {
      const vm = vmName(lab, n)
      const st = await provider.state(vm)
      let ssh: NodeStatus['ssh']
      if (st === 'running') {
        const at = await provider.sshEndpoint(vm, n.ip)
        ssh = { ...at, reachable: await sshBanner(at.host, at.port) }
      }
      const out: NodeStatus = {
        node: n.name,
        vm,
        state: st,
        ip: n.ip,
        ssh,
        snapshots: st === 'missing' ? [] : await provider.snapshotList(vm),
        modules: state.nodes[n.name]?.modules ?? {},
      }
      if (st !== 'missing' && provider.snapshotMemory) out.snapshotMemory = await provider.snapshotMemory(vm)
      if (st !== 'missing' && provider.diskUsage) {
        const use = await provider.diskUsage(vm)
        out.diskBytes = use.bytes
        if (use.snapshotMemoryBytes !== undefined) out.snapshotMemoryBytes = use.snapshotMemoryBytes
      }
      return out
    }),
  )
  const result: LabStatus = { lab: lab.name, provider: provider.name, product: info.product, nodes }
  if (state.base) {
    const bst = await provider.state(state.base.name)
    result.base = { name: state.base.name, state: bst }
    if (bst !== 'missing' && provider.diskUsage) result.base.diskBytes = (await provider.diskUsage(state.base.name)).bytes
  }
  if (state.network) result.network = state.network
  if (provider.diskUsage) result.diskBytes = nodes.reduce((a, n) => a + (n.diskBytes ?? 0), 0)
  return result
}
