/** `lab up`, step 7: the `ready` snapshot of the whole lab, taken at one instant, that `lab reset` goes back to. */
import { recordSnapshot } from '../applied-modules.js'
import { journaled } from '../journaled.js'
import type { LabContext } from '../lab-context.js'
import { takeLabSnapshot } from '../instant-snapshot.js'
import type { LabSessions } from '../session.js'

/** The snapshot taken when the lab is ready: what `lab reset` goes back to. */
export const READY_SNAPSHOT = 'ready'

export async function readySnapshotStep(ctx: LabContext, sessions: LabSessions): Promise<'taken' | 'exists'> {
  const { state } = ctx
  const stageName = `snapshot ${READY_SNAPSHOT}`
  return journaled(ctx, { step: `snapshot:${READY_SNAPSHOT}`, stage: stageName }, async () => {
    const taken = await takeLabSnapshot(ctx, ctx.loaded.lab.nodes, READY_SNAPSHOT, { stage: stageName, guest: async (n) => (await sessions.guest(n)).guest, drop: (n) => sessions.drop(n) })
    if (taken.length || !state.snapshots.some((s) => s.name === READY_SNAPSHOT)) recordSnapshot(state, READY_SNAPSHOT)
    await ctx.saveState()
    return taken.length ? 'taken' : 'exists'
  })
}
