/** `lab up`, step 5: every node reached over SSH with the host key the lab made for it. */
import type { ResolvedNode } from '../../lab/resolve.js'
import { mapLimit } from '../../util/parallel.js'
import { task } from '../events.js'
import { journaled } from '../journaled.js'
import type { LabContext } from '../lab-context.js'
import type { LabSessions } from '../session.js'

export async function sshStep(ctx: LabContext, nodes: ResolvedNode[], sessions: LabSessions): Promise<void> {
  await journaled(ctx, { step: 'ssh', stage: 'ssh' }, async () => {
    await mapLimit(nodes, nodes.length, (node) =>
      task(ctx.report, 'ssh', node.name, 'SSH with the pinned host key', async () => {
        await sessions.guest(node.name)
      }),
    )
  })
}
