/**
 * One live snapshot of every node of a lab, taken together: a swarm saved one node at a time would come
 * back with nodes that disagree about each other.
 */
import type { ResolvedNode } from '../lab/resolve.js'
import { vmName } from '../lab/naming.js'
import { mapLimit } from '../util/parallel.js'
import type { Guest } from '../modules/module.js'
import type { LabContext } from './lab-context.js'
import { task } from './events.js'

/**
 * Written to disk, the page cache is dropped and free memory compacted; the pause lets the guest report the
 * freed blocks (its balloon driver does so every 2 s) before the hypervisor saves what is left. fstrim hands
 * back the disk blocks of deleted files too, so the snapshot does not keep them.
 */
const RELEASE_MEMORY = 'sync && { fstrim -a; } >/dev/null 2>&1; echo 3 > /proc/sys/vm/drop_caches && { echo 1 > /proc/sys/vm/compact_memory; } 2>/dev/null; sleep 4; true'

export async function releaseGuestMemory(guest: Guest): Promise<void> {
  await guest.exec(RELEASE_MEMORY)
}

export interface LabSnapshotOptions {
  stage: string
  /** Reaches a running node's guest, when the provider can use it to make the snapshot smaller. */
  guest?: (node: string) => Promise<Guest>
  /** Snapshots of that name taken before are replaced. */
  replace?: boolean
}

/** Takes `name` on every node that lacks it; returns the nodes it was taken on. */
export async function takeLabSnapshot(ctx: LabContext, nodes: ResolvedNode[], name: string, opts: LabSnapshotOptions): Promise<string[]> {
  const { provider, report } = ctx
  const lab = ctx.loaded.lab
  const taken = await mapLimit(nodes, nodes.length, (n) =>
    task(report, opts.stage, n.name, 'save', async () => {
      const vm = vmName(lab, n)
      if ((await provider.snapshotList(vm)).includes(name)) {
        if (!opts.replace) return undefined
        await provider.snapshotDelete(vm, name)
      }
      if (provider.reclaimsFreedMemory && opts.guest && (await provider.state(vm)) === 'running') {
        // Only a smaller file is at stake: a guest that cannot be reached is snapshotted as it is.
        await opts.guest(n.name).then(releaseGuestMemory).catch((e: Error) => ctx.log(`[${n.name}] memory not released before the snapshot: ${e.message}`))
      }
      await provider.snapshotTake(vm, name, { live: true })
      return n.name
    }),
  )
  return taken.filter((n): n is string => n !== undefined)
}
