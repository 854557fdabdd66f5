/**
 * `lab halt` and `lab resume`: the lab powered down between classes and brought back as it was left. Halt
 * asks each guest to shut down (ACPI, then forced after a while), or with `suspend` saves its memory where
 * the hypervisor can; resume starts what is not running, waits for SSH and steps the clocks, which a
 * suspended guest finds hours behind.
 */
import { vmName } from '../lab/vm-names.js'
import { selectNodes } from '../lab/targets.js'
import { LabError } from '../util/errors.js'
import { mapLimit } from '../util/parallel.js'
import { labSessions } from './access.js'
import { stage, task } from './events.js'
import type { LabContext } from './lab-context.js'
import type { VmState } from '../providers/provider.js'
import { stepClocks } from './clock-step.js'

export interface PowerRow {
  node: string
  vm: string
  /** The power state before and after. */
  was: VmState
  now: VmState
}

export interface HaltOptions {
  only?: string[]
  /** Save memory instead of shutting down, where the provider can (else: a shutdown, with a warning). */
  suspend?: boolean
  /** How long a guest has to shut down before it is powered off. */
  timeoutMs?: number
}

async function built(ctx: LabContext, only?: string[]) {
  const lab = ctx.loaded.lab
  const nodes = selectNodes(lab, only)
  const rows = await Promise.all(nodes.map(async (n) => ({ node: n, vm: vmName(lab, n), was: await ctx.provider.state(vmName(lab, n)) })))
  const missing = rows.filter((r) => r.was === 'missing').map((r) => r.node.name)
  if (missing.length) throw new LabError(`not built: ${missing.join(', ')}`, { hint: 'run `lab up` first' })
  return rows
}

export async function halt(ctx: LabContext, opts: HaltOptions = {}): Promise<PowerRow[]> {
  const { provider, report } = ctx
  const rows = await built(ctx, opts.only)
  const suspend = opts.suspend && provider.suspend ? provider.suspend.bind(provider) : undefined
  if (opts.suspend && !suspend) report({ type: 'warn', message: `${provider.capabilities.title} cannot suspend a VM here: shutting the nodes down instead` })
  const title = suspend ? 'suspend' : 'shut down'
  await stage(report, 'halt', () =>
    mapLimit(rows, rows.length, async (r) => {
      if (r.was !== 'running') return
      await task(report, 'halt', r.node.name, title, () => (suspend ? suspend(r.vm) : provider.stop(r.vm, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs })))
    }),
  )
  return Promise.all(rows.map(async (r) => ({ node: r.node.name, vm: r.vm, was: r.was, now: await provider.state(r.vm) })))
}

export async function resume(ctx: LabContext, opts: { only?: string[] } = {}): Promise<PowerRow[]> {
  const { provider, report } = ctx
  const rows = await built(ctx, opts.only)
  await stage(report, 'boot', () =>
    mapLimit(rows, rows.length, async (r) => {
      if (r.was === 'running') return
      await task(report, 'boot', r.node.name, r.was === 'saved' ? 'resume' : 'boot', () => provider.start(r.vm))
    }),
  )
  const sessions = await labSessions(ctx)
  try {
    await stepClocks(
      report,
      rows.map((r) => r.node.name),
      (n) => sessions.guest(n),
    )
  } finally {
    await sessions.close()
  }
  return Promise.all(rows.map(async (r) => ({ node: r.node.name, vm: r.vm, was: r.was, now: await provider.state(r.vm) })))
}
