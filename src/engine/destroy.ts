/**
 * `lab destroy`: everything the lab created goes, nothing else — nodes first (a base cannot go while clones
 * use it), then the base unless kept or still used by another lab, then a network the lab created. What to
 * remove comes from three places, so a run interrupted anywhere (even before the state file was written)
 * is still cleaned up: the state file, the journal, and the hypervisor's own list of `vmlab-<lab>-*` VMs.
 */
import { madeByInterruptedRun } from './network-orphans.js'
import { rm, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { vmPrefix } from '../lab/vm-names.js'
import { INSTANCE_FILE, INSTANCES_DIR } from '../lab/instance.js'
import type { LabContext } from './lab-context.js'
import { stage } from './events.js'
import { mapLimit } from '../util/parallel.js'

export interface DestroyOptions {
  keepBase?: boolean
  /** Also forget the lab's passwords and keys (otherwise a rebuilt lab keeps them). */
  purge?: boolean
  /** Asked with the VMs that would go, before anything is removed; false leaves everything as it is. */
  confirm?: (targets: { nodes: string[]; base: string[] }) => Promise<boolean>
}

export interface DestroyResult {
  removed: string[]
  kept: Array<{ vm: string; why: string }>
  network: 'removed' | 'kept' | 'none'
  /** The user said no when asked: nothing was removed. */
  cancelled?: true
}

export async function destroy(ctx: LabContext, opts: DestroyOptions = {}): Promise<DestroyResult> {
  const { provider, state, journal, loaded, report } = ctx
  const lab = loaded.lab
  const entries = await journal.read()
  const nodeVms = new Set<string>(Object.values(state.nodes).map((n) => n.vm))
  const baseVms = new Set<string>(state.base ? [state.base.name] : [])
  for (const e of entries) {
    const vm = e.data?.vm
    if (typeof vm !== 'string') continue
    if (e.step === 'base') baseVms.add(vm)
    else if (e.step.startsWith('clone:')) nodeVms.add(vm)
  }
  const listed = new Set(await provider.list(vmPrefix(lab)))
  for (const vm of listed) nodeVms.add(vm)
  if (opts.confirm && !(await opts.confirm({ nodes: [...nodeVms].sort(), base: opts.keepBase ? [] : [...baseVms] }))) return { removed: [], kept: [], network: 'none', cancelled: true }

  const removed: string[] = []
  const kept: DestroyResult['kept'] = []
  const remove = async (vm: string) => {
    if ((await provider.state(vm)) === 'missing') {
      // Files of a VM whose creation was cut short (the provider lists them, its state is missing): destroy removes them, and they count.
      if (listed.has(vm) || (await provider.list(vm)).includes(vm)) {
        await provider.destroy(vm)
        removed.push(vm)
      }
      return
    }
    await provider.stop(vm, { force: true })
    await provider.destroy(vm)
    removed.push(vm)
  }

  await stage(report, 'remove nodes', async () => {
    // Every removal runs to its end even when one fails: a rejection that left the others running would end
    // the command (and let go of the lab lock) while they still change the lab, or keep the lock for ever.
    await mapLimit([...nodeVms], nodeVms.size, remove)
  })
  if (opts.keepBase) {
    for (const vm of baseVms) kept.push({ vm, why: '--keep-base' })
  } else {
    await stage(report, 'remove base', async () => {
      for (const vm of baseVms) {
        try {
          await remove(vm)
        } catch (err) {
          // Another lab's clones may still use it: keep it and say so.
          kept.push({ vm, why: (err as Error).message.split('\n')[0]! })
        }
      }
    })
  }
  // The journal knows about a network even when the state file was never written (killed in between).
  const journaled = entries.filter((e) => e.step === 'network' && e.phase === 'done' && typeof e.data?.id === 'string').pop()?.data as { id: string; created: boolean } | undefined
  const net = state.network ?? journaled
  let network: DestroyResult['network'] = 'none'
  // Killed between making an interface and journaling it: the interfaces new since that step are ours.
  const orphans = net === undefined && provider.networkIds ? madeByInterruptedRun(entries, await provider.networkIds()) : []
  for (const id of orphans) {
    await stage(report, `remove network ${id}`, () => provider.removeNetwork({ id, created: true }))
    network = 'removed'
  }
  if (net) {
    if (net.created || journaled?.created) {
      await stage(report, 'remove network', () => provider.removeNetwork({ id: net.id, created: true }))
      network = 'removed'
    } else network = 'kept'
  }
  // A student's login on the hypervisor goes with the passwords that open it (kept without --purge).
  if (opts.purge && provider.removeAccess) await stage(report, 'remove access', () => provider.removeAccess!())
  // Registrations of the lab's discs that outlived their VM (a destroy cut short after unregistering one) go before the files.
  const media = await readdir(ctx.paths.mediaDir).catch(() => [] as string[])
  if (media.length > 0) await provider.forgetMedia?.(media.map((f) => join(ctx.paths.mediaDir, f)))
  await journal.append({ step: 'destroy', phase: 'done', data: { removed } })
  // The lab's own files: everything but the lock (released by the caller), and the credentials unless purged;
  // the students' instances are not the laptop lab's to remove (`lab class destroy` does), nor is an instance's network record.
  const keep = new Set(['lock', INSTANCES_DIR, INSTANCE_FILE, ...(opts.purge ? [] : ['secrets.json', 'keys'])])
  for (const name of await readdir(ctx.paths.dir).catch(() => [] as string[])) {
    if (!keep.has(name)) await rm(join(ctx.paths.dir, name), { recursive: true, force: true })
  }
  return { removed, kept, network }
}
