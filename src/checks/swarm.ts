import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'
import { readSwarm } from '../modules/lib/docker-swarm.js'

/**
 * Every node Ready in the manager's node list, a Leader among them, and every node itself active in the
 * swarm (a node that just left still shows Ready on the manager for a while). Read from the Engine API, one
 * round trip per node. The list comes from the lab's first manager, or from any node that is a manager.
 */
export const swarmCheck: Check<CheckOptions<'swarm'>> = async ({ lab, options, guest }) => {
  const first = firstManager(lab)
  const states = await Promise.all(
    lab.nodes.map(async (n) => {
      const { guest: g } = await guest(n.name)
      try {
        return { node: n.name, ...(await readSwarm(g, n.name)) }
      } catch (err) {
        return { node: n.name, error: (err as Error).message.split('\n')[0]! }
      }
    }),
  )
  // The lab's first manager, or whichever node the task had the student make manager.
  const own = states.find((s) => s.node === first && 'info' in s && s.info.ControlAvailable) ?? states.find((s) => 'info' in s && s.info.ControlAvailable) ?? states.find((s) => s.node === first)!
  const manager = own.node
  const expected = `${options.ready} nodes Ready, one Leader, every node active`
  if (!('info' in own) || !own.info.ControlAvailable) {
    const found = 'info' in own ? `${manager} is not a swarm manager (its swarm state is ${own.info.LocalNodeState})` : own.error
    return [{ on: manager, passed: false, expected, found }]
  }
  const ready = own.nodes.filter((n) => n.Status === 'Ready')
  const leader = own.nodes.find((n) => n.ManagerStatus === 'Leader')
  const inactive = states.map((s) => ({ node: s.node, state: 'info' in s ? s.info.LocalNodeState : 'docker not answering' })).filter((s) => s.state !== 'active')
  return [
    {
      on: manager,
      passed: ready.length >= options.ready && leader !== undefined && inactive.length === 0,
      expected,
      found:
        `${ready.length} Ready (${ready.map((n) => n.Hostname).join(', ') || 'none'})${leader ? `, leader ${leader.Hostname}` : ', no leader'}` +
        (inactive.length ? `; not in the swarm: ${inactive.map((s) => `${s.node} (${s.state})`).join(', ')}` : ''),
    },
  ]
}
