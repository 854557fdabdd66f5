/** `lab up`'s check of this machine against the lab (host-fit.ts), before the network or any VM is made. */
import type { LabContext } from './lab-context.js'
import type { ResolvedNode } from '../lab/resolve.js'
import { vmName } from '../lab/vm-names.js'
import { HostError } from '../util/errors.js'
import { FIT_HINT, hostFit, type Fit, type HostFigures } from './host-fit.js'
import { hostFigures } from './host-figures.js'

/**
 * VMLAB_HOST_FIGURES (JSON, any of freeMemoryMiB, freeDiskMiB, cpus) replaces what is read: simulated
 * hypervisors take none of this machine's memory, and a test gives the figures it means.
 */
async function figures(diskPath: string, env: NodeJS.ProcessEnv): Promise<HostFigures> {
  const read = await hostFigures(diskPath)
  if (!env.VMLAB_HOST_FIGURES) return read
  const given = JSON.parse(env.VMLAB_HOST_FIGURES) as Partial<HostFigures>
  return { ...read, ...given, diskPath }
}

export async function hostPrecheck(ctx: LabContext, nodes: readonly ResolvedNode[], force: boolean, env: NodeJS.ProcessEnv = process.env): Promise<Fit | undefined> {
  // A provider whose VMs run elsewhere (remote libvirt, Proxmox VE) has no folder here: this machine's figures say nothing of it.
  if (!ctx.provider.diskFolder) return undefined
  const lab = ctx.loaded.lab
  const diskPath = (await ctx.provider.diskFolder()) ?? ctx.loaded.stateDir
  const fitNodes = await Promise.all(
    nodes.map(async (n) => {
      const exists = ctx.state.nodes[n.name] !== undefined
      const running = exists && (await ctx.provider.state(vmName(lab, n)).catch(() => 'missing')) === 'running'
      return { name: n.name, cpus: n.cpus, memory: n.memory, disk: n.disk, exists, running }
    }),
  )
  const fit = hostFit(
    { nodes: fitNodes, baseExists: ctx.state.base !== undefined, baseDisk: Math.max(...lab.nodes.map((n) => n.disk)), liveSnapshots: lab.snapshots === 'live' },
    await figures(diskPath, env),
  )
  for (const message of fit.warnings) ctx.report({ type: 'warn', message })
  if (fit.errors.length && force) for (const message of fit.errors) ctx.report({ type: 'warn', message: `${message} (--force: starting anyway)` })
  else if (fit.errors.length) throw new HostError(`this machine cannot run ${lab.name} as it is: ${fit.errors.join('; ')}; nothing was created`, { hint: FIT_HINT })
  return fit
}
