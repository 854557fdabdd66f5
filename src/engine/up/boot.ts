/** `lab up`, step 4 for each node: started unless it runs already. */
import type { ResolvedNode } from '../../lab/resolve.js'
import { task } from '../events.js'
import { journaled } from '../journaled.js'
import type { LabContext } from '../lab-context.js'

/** True when the node was started now. */
export async function bootNode(ctx: LabContext, node: ResolvedNode, vm: string): Promise<boolean> {
  if ((await ctx.provider.state(vm)) === 'running') return false
  await journaled(ctx, { step: `boot:${node.name}`, data: { vm }, done: () => ({ vm }) }, () => task(ctx.report, 'nodes', node.name, 'boot', () => ctx.provider.start(vm)))
  return true
}
