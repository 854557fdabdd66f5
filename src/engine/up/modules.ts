/** `lab up`, step 6: the lab's modules; a failed run ends `lab up` once every result is recorded. */
import type { ModuleResult } from '../../modules/module.js'
import { stage } from '../events.js'
import { journaled } from '../journaled.js'
import type { LabContext } from '../lab-context.js'
import { failedRunsError, runModules } from '../run-modules.js'
import type { LabSessions } from '../session.js'

/** `skip`: why the modules do not run this time (the stage is shown as skipped with it). */
export async function modulesStep(ctx: LabContext, sessions: LabSessions, opts: { nodes?: string[]; skip?: string }): Promise<ModuleResult[]> {
  let results: ModuleResult[] = []
  await stage(
    ctx.report,
    'modules',
    async () => {
      results = await journaled(ctx, { step: 'modules' }, () => runModules(ctx, (n) => sessions.guest(n), opts.nodes ? { nodes: opts.nodes } : {}))
      const failed = failedRunsError(results)
      if (failed) throw failed
    },
    opts.skip,
  )
  return results
}
