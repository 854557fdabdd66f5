/**
 * Lab-wide snapshots: every node saved, restored or deleted together (a swarm restored one node at a time
 * ends up with inconsistent membership). After a restore the guests' clocks are stale: step them.
 */
import type { ResolvedNode } from '../lab/resolve.js'
import { vmName } from '../lab/vm-names.js'
import { selectNodes } from '../lab/targets.js'
import { LabError } from '../util/errors.js'
import { mapLimit } from '../util/parallel.js'
import { labSessions } from './access.js'
import { stage, task } from './events.js'
import type { LabContext } from './lab-context.js'
import { READY_SNAPSHOT } from './up.js'
import { runChecks, type CheckRow } from '../checks/run-checks.js'
import { restoreLabSnapshot, takeLabSnapshot } from './instant-snapshot.js'
import { checksUntilPassing } from './settle-checks.js'
import { recordSnapshot, restoredFrom } from './applied-modules.js'
import { stepClocks } from './clock-step.js'

function targetNodes(ctx: LabContext, only?: string[]): ResolvedNode[] {
  return selectNodes(ctx.loaded.lab, only)
}

async function requireBuilt(ctx: LabContext, nodes: ResolvedNode[]): Promise<void> {
  const missing: string[] = []
  for (const n of nodes) if ((await ctx.provider.state(vmName(ctx.loaded.lab, n))) === 'missing') missing.push(n.name)
  if (missing.length) throw new LabError(`not built: ${missing.join(', ')}`, { hint: 'run `lab up` first' })
}

export async function snapshotSave(ctx: LabContext, name: string, opts: { force?: boolean } = {}): Promise<void> {
  const nodes = targetNodes(ctx)
  await requireBuilt(ctx, nodes)
  const lab = ctx.loaded.lab
  const existing = await Promise.all(nodes.map(async (n) => (await ctx.provider.snapshotList(vmName(lab, n))).includes(name)))
  const step = `snapshot:${name}`
  // What a save killed half way left (on some nodes or all, never recorded as done) is not a snapshot the
  // user has: saving it again completes it rather than refusing.
  const unfinished = (await ctx.journal.lastPhase(step)) === 'start'
  if (existing.some(Boolean) && !opts.force && !unfinished) throw new LabError(`snapshot '${name}' exists already`, { hint: `pick another name, or replace it with --force`, exitCode: 2 })
  if (existing.some(Boolean) && unfinished) ctx.report({ type: 'info', message: `snapshot '${name}' was left unfinished by an interrupted run: taking it again on every node` })
  await ctx.journal.append({ step, phase: 'start' })
  // The guests are running already: a node that does not answer SSH soon is saved as it is.
  const sessions = await labSessions(ctx, { deadlineMs: 20_000 })
  try {
    await stage(ctx.report, `snapshot ${name}`, () =>
      takeLabSnapshot(ctx, nodes, name, { stage: `snapshot ${name}`, replace: true, guest: async (n) => (await sessions.guest(n)).guest, drop: (n) => sessions.drop(n) }),
    )
  } finally {
    await sessions.close()
  }
  recordSnapshot(ctx.state, name)
  await ctx.saveState()
  await ctx.journal.append({ step, phase: 'done' })
}

export interface NodeSnapshots {
  node: string
  /** Oldest first. */
  snapshots: string[]
  /** Bytes of memory state per snapshot, where the provider tells (0: disks only). */
  memory?: Record<string, number>
}

export async function snapshotList(ctx: LabContext): Promise<NodeSnapshots[]> {
  const lab = ctx.loaded.lab
  return Promise.all(
    lab.nodes.map(async (n) => {
      const vm = vmName(lab, n)
      if ((await ctx.provider.state(vm)) === 'missing') return { node: n.name, snapshots: [] }
      const out: NodeSnapshots = { node: n.name, snapshots: await ctx.provider.snapshotList(vm) }
      if (ctx.provider.snapshotMemory) out.memory = await ctx.provider.snapshotMemory(vm)
      return out
    }),
  )
}

export async function snapshotDelete(ctx: LabContext, name: string): Promise<void> {
  const lab = ctx.loaded.lab
  const nodes = targetNodes(ctx)
  const having = (await snapshotList(ctx)).filter((e) => e.snapshots.includes(name))
  if (!having.length) throw new LabError(`no snapshot named '${name}'`, { hint: 'see `lab snapshot list`', exitCode: 2 })
  await stage(ctx.report, `delete snapshot ${name}`, () =>
    mapLimit(
      nodes.filter((n) => having.some((h) => h.node === n.name)),
      nodes.length,
      (n) => ctx.provider.snapshotDelete(vmName(lab, n), name),
    ),
  )
  ctx.state.snapshots = ctx.state.snapshots.filter((s) => s.name !== name)
  await ctx.saveState()
}

export interface ResetResult {
  nodes: string[]
  elapsedMs: number
  /** The lab's checks after a reset to "ready" (retried while the guests settle), if it has any. */
  checks?: CheckRow[]
}

/** After a restore, chrony and the swarm take a few seconds to agree again: checks are retried this long. */
const SETTLE_MS = 180_000

export async function reset(ctx: LabContext, opts: { snapshot?: string; only?: string[] } = {}): Promise<ResetResult> {
  const started = Date.now()
  const { provider, report, loaded } = ctx
  const lab = loaded.lab
  const name = opts.snapshot ?? READY_SNAPSHOT
  const nodes = targetNodes(ctx, opts.only)
  await requireBuilt(ctx, nodes)
  if (opts.only && lab.modules.some((m) => m.module === 'swarm')) {
    report({ type: 'warn', message: `resetting ${nodes.map((n) => n.name).join(', ')} alone: its swarm membership may no longer match the others'; \`lab provision --only swarm\` repairs it` })
  }
  for (const n of nodes) {
    const snaps = await provider.snapshotList(vmName(lab, n))
    if (!snaps.includes(name)) {
      throw new LabError(`${n.name} has no snapshot '${name}'`, { hint: snaps.length ? `its snapshots: ${snaps.join(', ')}` : 'take one with `lab snapshot save NAME`', exitCode: 2 })
    }
  }
  await stage(report, `restore ${name}`, () => restoreLabSnapshot(ctx, nodes, name, `restore ${name}`))
  // A node reset alone may no longer agree with the others: the next `lab up` runs the modules again.
  if (opts.only) delete ctx.state.provisioned
  else restoredFrom(ctx.state, name)
  await ctx.saveState()
  const sessions = await labSessions(ctx)
  try {
    await stepClocks(
      report,
      nodes.map((n) => n.name),
      (n) => sessions.guest(n),
    )
    if (name === READY_SNAPSHOT && lab.checks.length && !opts.only) {
      const run = async (steps: number[]): Promise<CheckRow[]> => {
        const rows = await runChecks({ ...lab, checks: steps.map((i) => lab.checks[i]!) }, (n) => sessions.guest(n))
        return rows.map((r) => ({ ...r, index: steps[r.index]! }))
      }
      const rows = await stage(report, 'verify', () =>
        task(report, 'verify', 'lab', 'checks', () =>
          checksUntilPassing(lab.checks.length, run, {
            deadlineMs: SETTLE_MS,
            onWait: (failing) => {
              ctx.log(`${Math.round((Date.now() - started) / 1000)} s after the restore, still failing: ${failing.map((r) => `${r.check} on ${r.on} (found ${r.found})`).join('; ')}`)
              report({ type: 'task', stage: 'verify', node: 'lab', title: 'checks', status: 'running', detail: `waiting for ${failing.length} to pass` })
            },
          }),
        ),
      )
      return { nodes: nodes.map((n) => n.name), elapsedMs: Date.now() - started, checks: rows! }
    }
  } finally {
    await sessions.close()
  }
  return { nodes: nodes.map((n) => n.name), elapsedMs: Date.now() - started }
}
