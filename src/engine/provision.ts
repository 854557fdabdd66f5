/**
 * Runs the lab's modules in order. Each module runs on its target nodes in parallel; the next module
 * starts when the previous one is done everywhere (swarm needs docker on every node, etc.). A failure stops
 * the run after the current module, with every node's result kept.
 */
import type { ResolvedLab } from '../lab/resolve.js'
import type { ModuleStep } from '../lab/module-options.js'
import { moduleTargets } from '../lab/targets.js'
import type { Guest, Facts, ModuleContext, ModuleResult, Change } from '../modules/module.js'
import { loadModule } from '../modules/index.js'

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

export async function provision(lab: ResolvedLab, access: NodeAccess, opts: ProvisionOptions = {}): Promise<ModuleResult[]> {
  const results: ModuleResult[] = []
  const steps = lab.modules.map((step, index) => ({ step, index })).filter(({ step }) => !opts.only || opts.only.includes(step.module))
  for (const { step, index } of steps) {
    const targets = moduleTargets(lab, step).filter((t) => !opts.nodes || opts.nodes.includes(t.node))
    opts.events?.moduleStart?.(step.module, index, targets.map((t) => t.node))
    const mod = await loadModule(step.module)
    const stepResults = await Promise.all(
      targets.map(async (target): Promise<ModuleResult> => {
        const started = Date.now()
        let changes: Change[] = []
        try {
          const { guest, facts } = await access.guest(target.node)
          const ctx: ModuleContext<ModuleStep['options']> = {
            lab,
            node: lab.nodes.find((n) => n.name === target.node)!,
            role: target.role,
            options: step.options,
            guest,
            facts,
            peer: (name) => access.guest(name),
            secret: (name) => access.secret(name),
            labFile: (rel) => access.labFile(rel),
            log: (line) => access.log(target.node, line),
          }
          const probed = await mod.probe(ctx)
          changes = mod.plan(ctx, probed)
          if (!opts.check && changes.length) await mod.apply(ctx, changes, probed)
          if (!opts.check && mod.verify) await mod.verify(ctx)
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
