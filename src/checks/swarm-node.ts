import { z } from 'zod'
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'
import { readEngine } from '../modules/lib/docker-api.js'
import { labNodeByHostname, swarmInfo } from '../modules/lib/docker-swarm.js'
import { parseDockerJson } from '../modules/lib/docker-json.js'

const NodeSchema = z.object({
  ID: z.string(),
  Spec: z.object({ Role: z.string().default('worker'), Availability: z.string().default('active'), Labels: z.record(z.string(), z.string()).nullish() }),
  Description: z.object({ Hostname: z.string().default('') }).default({ Hostname: '' }),
  Status: z.object({ State: z.string().default('unknown') }).default({ State: 'unknown' }),
  ManagerStatus: z.object({ Leader: z.boolean().default(false) }).optional(),
})
type SwarmNode = z.output<typeof NodeSchema>

/**
 * One node as the swarm sees it: its role (a leader is a manager too), availability and labels. The node list
 * is read from a manager: the lab's first, or any node that is one (a task may make another node manager).
 */
export const swarmNodeCheck: Check<CheckOptions<'swarm_node'>> = async ({ lab, options, guest }) => {
  const expected = [
    `${options.node} in the swarm`,
    ...(options.role ? [`as ${options.role === 'leader' ? 'the leader' : `a ${options.role}`}`] : []),
    ...(options.availability ? [`availability ${options.availability}`] : []),
    ...Object.entries(options.labels ?? {}).map(([k, v]) => `label ${k}=${v}`),
  ].join(', ')
  const first = firstManager(lab)
  const order = [first, ...lab.nodes.map((n) => n.name).filter((n) => n !== first)]
  type Read = { name: string; state: Awaited<ReturnType<typeof readEngine>>; info: ReturnType<typeof swarmInfo> } | { name: string; error: string }
  const reads = await Promise.all(
    order.map(async (name): Promise<Read> => {
      try {
        const { guest: g } = await guest(name)
        const state = await readEngine(g, name)
        return { name, state, info: swarmInfo(state.info.out, name) }
      } catch (err) {
        return { name, error: (err as Error).message.split('\n')[0]! }
      }
    }),
  )
  const manager = reads.find((r) => 'state' in r && r.state.nodes.ok && r.info.ControlAvailable)
  if (manager === undefined || 'error' in manager) {
    const own = reads[0]!
    const found = 'error' in own ? own.error : `no node is a swarm manager (${first}'s swarm state is ${own.info.LocalNodeState})`
    return [{ on: options.node, passed: false, expected, found }]
  }
  const nodes = parseDockerJson(z.array(NodeSchema), manager.state.nodes.out, 'the swarm node list', manager.name)
  // A node that left and joined again has a Down entry too: the live one counts.
  const mine = nodes.filter((n) => labNodeByHostname(lab, n.Description.Hostname)?.name === options.node)
  const node = mine.find((n) => n.Status.State !== 'down') ?? mine[0]
  if (!node) return [{ on: options.node, passed: false, expected, found: `${options.node} is not in the swarm's node list` }]
  const wrong = differences(node, options)
  return [{ on: options.node, passed: wrong.length === 0, expected, found: wrong.length ? wrong.join('; ') : describe(node) }]
}

const roleOf = (n: SwarmNode): string => (n.ManagerStatus?.Leader ? 'leader' : n.Spec.Role)

function differences(n: SwarmNode, o: CheckOptions<'swarm_node'>): string[] {
  const wrong: string[] = []
  if (n.Status.State !== 'ready') wrong.push(`status ${n.Status.State}`)
  const role = roleOf(n)
  if (o.role === 'leader' ? role !== 'leader' : o.role !== undefined && n.Spec.Role !== o.role) wrong.push(`it is ${role === 'leader' ? 'the leader' : `a ${role}`}`)
  if (o.availability && n.Spec.Availability !== o.availability) wrong.push(`availability ${n.Spec.Availability}`)
  const labels = n.Spec.Labels ?? {}
  for (const [k, v] of Object.entries(o.labels ?? {})) {
    if (!(k in labels)) wrong.push(`no label ${k}`)
    else if (labels[k] !== v) wrong.push(`label ${k}=${labels[k]}`)
  }
  return wrong
}

function describe(n: SwarmNode): string {
  const labels = Object.entries(n.Spec.Labels ?? {}).map(([k, v]) => `${k}=${v}`)
  return `${n.Description.Hostname}: ${roleOf(n)}, ${n.Status.State}, ${n.Spec.Availability}${labels.length ? `, labels ${labels.join(' ')}` : ''}`
}
