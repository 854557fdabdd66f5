/**
 * Live snapshots of a whole lab, taken and restored at one instant: every node is paused first and resumed
 * together afterwards. A swarm saved (or restored) one node at a time comes back with nodes seconds apart:
 * their TCP connections, heartbeats and raft state no longer match, and the managers reschedule everything.
 */
import type { ResolvedNode } from '../lab/resolve.js'
import { vmName } from '../lab/vm-names.js'
import { mapLimit } from '../util/parallel.js'
import type { Guest } from '../modules/module.js'
import type { Provider } from '../providers/provider.js'
import type { LabContext } from './lab-context.js'
import { task } from './events.js'

/**
 * Written to disk, the page cache is dropped; the pause lets the guest report the freed blocks (its balloon
 * driver does so every 2 s) before the hypervisor saves what is left. fstrim hands back the disk blocks of
 * deleted files too, so the snapshot does not keep them.
 *
 * No `compact_memory`: it saved ~55 MiB of the ~400 MiB a swarm node's snapshot keeps, but under emulation it
 * held a 1-vCPU guest for 10–40 s, the manager missed the nodes' heartbeats, and the swarm moved tasks while
 * (and after) the `ready` snapshot was taken: `lab check` failed right after `lab up`, and every reset came back
 * to a swarm still moving its tasks.
 */
const RELEASE_MEMORY = 'sync && { fstrim -a; } >/dev/null 2>&1; echo 3 > /proc/sys/vm/drop_caches; sleep 2.5; true'

export async function releaseGuestMemory(guest: Guest): Promise<void> {
  await guest.exec(RELEASE_MEMORY)
}

/**
 * Runs `work` on every VM while all of them are paused, then resumes them together (also after a failure).
 * Without pause support, or when a VM is not running, the work simply runs on each. A VM the work left
 * powered off (a restore of a snapshot without memory) is not resumed: it has nothing to go on from.
 */
export async function atOneInstant<T>(provider: Provider, vms: string[], work: (vm: string, index: number) => Promise<T>): Promise<T[]> {
  const states = await Promise.all(vms.map((vm) => provider.state(vm)))
  if (!provider.pause || !provider.resume || states.some((s) => s !== 'running')) return mapLimit(vms, vms.length, work)
  const paused: string[] = []
  try {
    await Promise.all(vms.map(async (vm) => (await provider.pause!(vm), paused.push(vm))))
    return await mapLimit(vms, vms.length, work)
  } finally {
    await Promise.all(
      paused.map(async (vm) => {
        if ((await provider.state(vm)) !== 'poweroff') await provider.resume!(vm)
      }),
    )
  }
}

export interface LabSnapshotOptions {
  stage: string
  /** Reaches a running node's guest, when the provider can use it to make the snapshot smaller. */
  guest?: (node: string) => Promise<Guest>
  /** Snapshots of that name taken before are replaced. */
  replace?: boolean
  /** Forgets a node's SSH session: a cold snapshot shuts the nodes down and boots them again. */
  drop?: (node: string) => Promise<void>
}

/**
 * Takes `name` on every node; returns the nodes it was taken on. When every node has it already (and
 * `replace` is not set) nothing is taken; when only some have it (an interrupted run), all are taken again,
 * so that they hold one instant.
 */
export async function takeLabSnapshot(ctx: LabContext, nodes: ResolvedNode[], name: string, opts: LabSnapshotOptions): Promise<string[]> {
  const { provider, report } = ctx
  const lab = ctx.loaded.lab
  const vms = nodes.map((n) => vmName(lab, n))
  const having = await Promise.all(vms.map(async (vm) => (await provider.snapshotList(vm)).includes(name)))
  if (having.every(Boolean) && !opts.replace) return []
  if (lab.snapshots === 'cold') {
    await takeColdSnapshot(ctx, nodes, vms, having, name, opts)
    return nodes.map((n) => n.name)
  }
  if (provider.capabilities.reclaimsFreedMemory && opts.guest) {
    await mapLimit(nodes, nodes.length, async (n, i) => {
      if ((await provider.state(vms[i]!)) !== 'running') return
      // Only a smaller file is at stake: a guest that cannot be reached is snapshotted as it is.
      await opts.guest!(n.name)
        .then(releaseGuestMemory)
        .catch((e: Error) => ctx.log(`[${n.name}] memory not released before the snapshot: ${e.message}`))
    })
  }
  await atOneInstant(provider, vms, (vm, i) =>
    task(report, opts.stage, nodes[i]!.name, 'save', async () => {
      if (having[i]) await provider.snapshotDelete(vm, name)
      await provider.snapshotTake(vm, name, { live: true })
    }),
  )
  return nodes.map((n) => n.name)
}

/**
 * `snapshots: cold`: the disks only, of nodes shut down cleanly (a file system saved while it runs would
 * come back as after a power cut), then booted again. Costs no memory image on disk; every restore boots.
 */
async function takeColdSnapshot(ctx: LabContext, nodes: ResolvedNode[], vms: string[], having: boolean[], name: string, opts: LabSnapshotOptions): Promise<void> {
  const { provider, report } = ctx
  const wasRunning = await Promise.all(vms.map(async (vm) => (await provider.state(vm)) === 'running'))
  await mapLimit(nodes, nodes.length, (n, i) =>
    task(report, opts.stage, n.name, 'save (cold)', async () => {
      await opts.drop?.(n.name)
      if (wasRunning[i]) await provider.stop(vms[i]!)
      if (having[i]) await provider.snapshotDelete(vms[i]!, name)
      await provider.snapshotTake(vms[i]!, name)
      if (wasRunning[i]) await provider.start(vms[i]!)
    }),
  )
}

/**
 * Puts every node back to `name`. Restored live, the nodes resume together from the one instant their
 * snapshot holds; otherwise each is stopped, restored and started. A snapshot without memory (taken powered
 * off, or `snapshots: cold`) leaves its node off: that one boots.
 */
export async function restoreLabSnapshot(ctx: LabContext, nodes: ResolvedNode[], name: string, stageName: string): Promise<void> {
  const { provider, report } = ctx
  const lab = ctx.loaded.lab
  const vms = nodes.map((n) => vmName(lab, n))
  const allRunning = (await Promise.all(vms.map((vm) => provider.state(vm)))).every((s) => s === 'running')
  if (provider.capabilities.liveRestore && allRunning) {
    await atOneInstant(provider, vms, (vm, i) => task(report, stageName, nodes[i]!.name, 'restore', () => provider.snapshotRestore(vm, name)))
    await mapLimit(nodes, nodes.length, async (n, i) => {
      if ((await provider.state(vms[i]!)) !== 'running') await task(report, stageName, n.name, 'boot', () => provider.start(vms[i]!))
    })
    return
  }
  await mapLimit(nodes, nodes.length, (n, i) =>
    task(report, stageName, n.name, 'restore', async () => {
      const vm = vms[i]!
      const running = (await provider.state(vm)) === 'running'
      if (!(provider.capabilities.liveRestore && running)) await provider.stop(vm, { force: true })
      await provider.snapshotRestore(vm, name)
      if ((await provider.state(vm)) !== 'running') await provider.start(vm)
    }),
  )
}
