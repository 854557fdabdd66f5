/**
 * The lab's modules run once, the same way for `lab up` and `lab provision`: through the nodes' sessions,
 * each node's result reported as it comes and kept in the state file (what `lab status` shows), and a full
 * run recorded as applied so that the next `lab up` on running nodes has nothing to do.
 */
import type { ModuleResult } from '../modules/module.js'
import type { ModuleStep } from '../lab/module-options.js'
import type { LabState } from '../state/state-file.js'
import { LabError } from '../util/errors.js'
import { recordApplied } from './applied-modules.js'
import type { LabContext } from './lab-context.js'
import { provision, type NodeAccess } from './provision.js'
import { secretFor } from './service-secrets.js'

export interface RunModulesOptions {
  /** Plan only: report what would change, change nothing, record nothing. */
  check?: boolean
  /** Only these modules (by name). */
  only?: string[]
  /** Only on these nodes. */
  nodes?: string[]
  /** These steps instead of the lab's modules (an exercise's given or solution): never recorded as the lab's. */
  steps?: ModuleStep[]
}

export async function runModules(ctx: LabContext, guest: NodeAccess['guest'], opts: RunModulesOptions = {}): Promise<ModuleResult[]> {
  const { loaded, state, report } = ctx
  const lab = opts.steps ? { ...loaded.lab, modules: opts.steps } : loaded.lab
  const results = await provision(
    lab,
    {
      guest,
      secret: (name) => secretFor(ctx, name),
      labFile: (rel) => `${loaded.filesDir}/${rel}`,
      log: (node, line) => ctx.log(`[${node}] ${line}`),
    },
    {
      ...(opts.check ? { check: true } : {}),
      ...(opts.only ? { only: opts.only } : {}),
      ...(opts.nodes ? { nodes: opts.nodes } : {}),
      events: {
        nodeResult: (r) => {
          report({ type: 'task', stage: 'modules', node: r.node, title: r.module, status: r.status === 'failed' ? 'failed' : 'done', detail: r.status === 'failed' ? r.reason : r.status })
          if (!opts.check) recordResult(state, r)
        },
      },
    },
  )
  if (!opts.check) {
    // A run of some modules, or on some nodes, is not the lab's modules applied in full.
    recordApplied(state, lab, results, { only: opts.only ?? opts.nodes ?? opts.steps })
    await ctx.saveState()
  }
  return results
}

function recordResult(state: LabState, r: ModuleResult): void {
  const ns = state.nodes[r.node]
  if (ns) ns.modules[r.module] = { status: r.status, at: new Date().toISOString(), ...(r.reason ? { reason: r.reason } : {}) }
}

/** The error that ends `lab up` after a module run failed; undefined when none did. */
export function failedRunsError(results: ModuleResult[]): LabError | undefined {
  const failed = results.filter((m) => m.status === 'failed')
  if (!failed.length) return undefined
  return new LabError(`${failed.length} module run${failed.length === 1 ? '' : 's'} failed: ${failed.map((f) => `${f.module} on ${f.node}: ${f.reason}`).join('; ')}`, {
    hint: 'fix the cause and run `lab up` (or `lab provision`) again: finished steps are not repeated',
  })
}
