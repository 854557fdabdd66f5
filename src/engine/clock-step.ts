/**
 * The guests' clocks after a restore or a resume from saved memory: each guest believes it is still the moment
 * of the snapshot (or of the suspend). Set it from the host, then have chrony poll its sources at once so it
 * selects them again in seconds rather than minutes.
 */
import { LabError } from '../util/errors.js'
import { mapLimit } from '../util/parallel.js'
import { stage, task } from './events.js'
import type { LabContext } from './lab-context.js'
import type { Guest } from '../modules/module.js'

export async function stepClocks(report: LabContext['report'], nodes: string[], guest: (node: string) => Promise<{ guest: Guest }>): Promise<void> {
  await stage(report, 'clocks', () =>
    mapLimit(nodes, nodes.length, (node) =>
      task(report, 'clocks', node, 'step the clock', async () => {
        const g = (await guest(node)).guest
        const now = Math.floor(Date.now() / 1000)
        const r = await g.exec(`date -u -s @${now} >/dev/null && { chronyc -a makestep >/dev/null 2>&1; chronyc -a 'burst 4/4' >/dev/null 2>&1; true; }`)
        if (r.code !== 0) throw new LabError(`could not set the clock on ${node}: ${r.stderr.trim()}`)
      }),
    ),
  )
}
