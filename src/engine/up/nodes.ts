/** `lab up`, steps 3 and 4 as one stage: every node cloned and booted, a few at a time. */
import { vmName } from '../../lab/vm-names.js'
import type { ResolvedNode } from '../../lab/resolve.js'
import { mapLimit } from '../../util/parallel.js'
import type { LabCredentials } from '../credentials.js'
import { stage } from '../events.js'
import type { LabContext } from '../lab-context.js'
import { bootNode } from './boot.js'
import { cloneNode } from './clone.js'
import type { LabNetwork } from './network.js'

export interface NodesDone {
  /** The nodes cloned now, and those started now. */
  created: string[]
  booted: string[]
}

export async function nodesStep(ctx: LabContext, nodes: ResolvedNode[], base: string, network: LabNetwork, creds: LabCredentials, concurrency = 3): Promise<NodesDone> {
  const done: NodesDone = { created: [], booted: [] }
  await stage(ctx.report, 'nodes', async () => {
    await mapLimit(nodes, concurrency, async (node) => {
      const vm = vmName(ctx.loaded.lab, node)
      if (await cloneNode(ctx, node, vm, base, network, creds)) done.created.push(node.name)
      if (await bootNode(ctx, node, vm)) done.booted.push(node.name)
    })
    await ctx.saveState()
  })
  return done
}
