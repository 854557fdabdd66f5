/** Sessions to a built lab's nodes for commands that only talk to the guests (check, provision, exec). */
import { vmName } from '../lab/vm-names.js'
import { selectNodes } from '../lab/targets.js'
import { LabError } from '../util/errors.js'
import { ensureCredentials } from './credentials.js'
import { LabSessions } from './session.js'
import type { LabContext } from './lab-context.js'

/** Sessions that log to the lab's command log and report their waits; `deadlineMs` bounds the wait for SSH. */
export async function labSessions(ctx: LabContext, opts: { deadlineMs?: number } = {}): Promise<LabSessions> {
  const creds = await ensureCredentials(ctx.loaded)
  return new LabSessions(ctx.loaded, ctx.provider, creds, { ...opts, report: ctx.report, log: (node, line) => ctx.log(`[${node}] ${line}`) })
}

/** Sessions to running nodes only (a node that is not running is an error that says to run `lab up`). */
export async function openSessions(ctx: LabContext, nodes = ctx.loaded.lab.nodes.map((n) => n.name)): Promise<LabSessions> {
  const lab = ctx.loaded.lab
  const down: string[] = []
  for (const node of selectNodes(lab, nodes)) {
    if ((await ctx.provider.state(vmName(lab, node))) !== 'running') down.push(node.name)
  }
  if (down.length) throw new LabError(`not running: ${down.join(', ')}`, { hint: 'run `lab up` (it builds or boots what is missing)' })
  return labSessions(ctx, { deadlineMs: 60_000 })
}
