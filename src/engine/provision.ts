/**
 * Runs the lab's modules in order. Each module runs on its target nodes in parallel; the next module
 * starts when the previous one is done everywhere (swarm needs docker on every node, etc.). A failure stops
 * the run after the current module, with every node's result kept.
 */
import type { ResolvedLab } from '../lab/resolve.js'
import type { ModuleStep } from '../lab/module-options.js'
import { moduleTargets, type Target } from '../lab/targets.js'
import type { Guest, Facts, Module, ModuleContext, ModuleResult, Change } from '../modules/module.js'
import { loadModule } from '../modules/index.js'
import { BatchingGuest } from './probe-batch.js'

export interface NodeAccess {
  guest(node: string): Promise<{ guest: Guest; facts: Facts }>
  secret(name: string): Promise<string>
  labFile(relative: string): string
  log(node: string, line: string): void
}

export interface ProvisionEvents {
  moduleStart?(module: string, index: number, nodes: string[]): void
  nodeResult?(result: ModuleResult): void
}

export interface ProvisionOptions {
  /** Stop after plan: report the changes, change nothing. */
  check?: boolean
  /** Run only these modules (by name). */
  only?: string[]
  /** Run only on these nodes. */
  nodes?: string[]
  events?: ProvisionEvents
}

/**
 * What follows a node's probe and plan: apply the changes, then verify, unless the run changed nothing and
 * its probe already showed what verify would check (the verify round trips are then skipped).
 */
export async function converge<O, P, K extends string>(
  mod: Module<O, P, K>,
  ctx: ModuleContext<O>,
  probed: P,
  changes: Change<K>[],
  opts: { check?: boolean; beforeApply?: () => void } = {},
): Promise<void> {
  if (opts.check) return
  if (changes.length) {
    opts.beforeApply?.()
    await mod.apply(ctx, changes, probed)
  }
  if (mod.verify && !(changes.length === 0 && mod.verified?.(ctx, probed) === true)) await mod.verify(ctx, { applied: changes })
}

type Outcome<P> = { ok: true; value: P } | { ok: false; error: unknown }

function settle<P>(work: () => Promise<P>): Promise<Outcome<P>> {
  return work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}

export async function provision(lab: ResolvedLab, access: NodeAccess, opts: ProvisionOptions = {}): Promise<ModuleResult[]> {
  const results: ModuleResult[] = []
  const steps = lab.modules
    .map((step, index) => ({ step, index, targets: moduleTargets(lab, step).filter((t) => !opts.nodes || opts.nodes.includes(t.node)) }))
    .filter(({ step }) => !opts.only || opts.only.includes(step.module))

  // Each node's probes go out together (probe-batch.ts), so one guest per node for the whole run.
  const guests = new Map<string, Promise<{ guest: Guest; facts: Facts }>>()
  const nodeGuest = (node: string): Promise<{ guest: Guest; facts: Facts }> => {
    let found = guests.get(node)
    if (!found) {
      found = access.guest(node).then(({ guest, facts }) => ({ guest: new BatchingGuest(guest), facts }))
      guests.set(node, found)
      found.catch(() => guests.delete(node))
    }
    return found
  }
  const contextOf = async (step: ModuleStep, target: Target): Promise<ModuleContext<ModuleStep['options']>> => {
    const { guest, facts } = await nodeGuest(target.node)
    return {
      lab,
      node: lab.nodes.find((n) => n.name === target.node)!,
      role: target.role,
      options: step.options,
      guest,
      facts,
      peer: (name) => nodeGuest(name),
      secret: (name) => access.secret(name),
      labFile: (rel) => access.labFile(rel),
      log: (line) => access.log(target.node, line),
    }
  }

  // Every step's probe starts now, all at once: probes only read, so on a lab where nothing needs doing
  // (the common re-run) the whole plan costs a round trip or two per node instead of one per module. A
  // probe taken early is used only while no earlier step has applied anything; after a change, steps probe again.
  const modules = new Map(await Promise.all(steps.map(async ({ step }) => [step.module, await loadModule(step.module)] as const)))
  const early = steps.map(({ step, targets }) =>
    targets.map((target) => {
      const ctx = settle(() => contextOf(step, target))
      const probed = ctx.then((c) => (c.ok ? settle(() => modules.get(step.module)!.probe(c.value)) : c))
      return { ctx, probed }
    }),
  )
  let applied = false

  for (const [i, { step, index, targets }] of steps.entries()) {
    opts.events?.moduleStart?.(
      step.module,
      index,
      targets.map((t) => t.node),
    )
    const mod = modules.get(step.module)!
    // Nodes of one step run together anyway: a probe taken before a sibling's apply is what it would see.
    const clean = !applied
    const stepResults = await Promise.all(
      targets.map(async (target, j): Promise<ModuleResult> => {
        const started = Date.now()
        let changes: Change[] = []
        try {
          const ctx = await early[i]![j]!.ctx
          if (!ctx.ok) throw ctx.error
          const before = clean ? await early[i]![j]!.probed : undefined
          const probed = before?.ok ? before.value : await mod.probe(ctx.value)
          changes = mod.plan(ctx.value, probed)
          await converge(mod, ctx.value, probed, changes, { ...(opts.check ? { check: true } : {}), beforeApply: () => (applied = true) })
          const status = changes.length ? 'changed' : 'ok'
          return { node: target.node, module: step.module, status, changes, durationMs: Date.now() - started }
        } catch (err) {
          return { node: target.node, module: step.module, status: 'failed', changes, reason: (err as Error).message, durationMs: Date.now() - started }
        }
      }),
    )
    for (const r of stepResults) opts.events?.nodeResult?.(r)
    results.push(...stepResults)
    if (stepResults.some((r) => r.status === 'failed')) break
  }
  return results
}
