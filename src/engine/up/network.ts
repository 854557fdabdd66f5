/** `lab up`, step 1: the lab network, made or found, and its record kept before anything is attached to it. */
import { labKey } from '../../lab/instance.js'
import { madeByInterruptedRun } from '../network-orphans.js'
import { journaled } from '../journaled.js'
import { stage } from '../events.js'
import type { LabContext } from '../lab-context.js'

export interface LabNetwork {
  id: string
  created: boolean
}

export async function networkStep(ctx: LabContext): Promise<LabNetwork> {
  const { provider, journal, state, report } = ctx
  const lab = ctx.loaded.lab
  return (await stage(report, 'network', async () => {
    const before = await provider.networkIds?.()
    // An interface an earlier, interrupted run made is ours, even though ensureNetwork finds it as existing.
    const orphans = before === undefined ? [] : madeByInterruptedRun(await journal.read(), before)
    const data = before === undefined ? undefined : { before: before.filter((id) => !orphans.includes(id)) }
    return journaled(ctx, { step: 'network', ...(data ? { data } : {}), done: (network) => ({ ...network }) }, async (): Promise<LabNetwork> => {
      const handle = await provider.ensureNetwork({ lab: labKey(lab), cidr: lab.network.cidr, prefix: lab.network.prefix, netmask: lab.network.netmask, hostIp: lab.network.hostIp })
      // One killed before it got the lab's address is not found again by it, and a new one was made: remove it.
      for (const id of orphans) if (id !== handle.id) await provider.removeNetwork({ id, created: true })
      state.network = { id: handle.id, created: handle.created || orphans.includes(handle.id) || (state.network?.created ?? false) }
      await ctx.saveState()
      return { id: handle.id, created: state.network.created }
    })
  }))!
}
