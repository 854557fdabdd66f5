import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'

/**
 * Every node Ready in `docker node ls` on the manager, a Leader among them, and every node itself
 * active in the swarm (a node that just left still shows Ready on the manager for a while).
 */
export const swarmCheck: Check<CheckOptions<'swarm'>> = async ({ lab, options, guest }) => {
  const manager = firstManager(lab)
  const { guest: g } = await guest(manager)
  const r = await g.exec(['docker', 'node', 'ls', '--format', '{{json .}}'])
  if (r.code !== 0) return [{ on: manager, passed: false, expected: `${options.ready} nodes Ready`, found: r.stderr.trim() || `exit ${r.code}` }]
  const nodes = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { Hostname: string; Status: string; ManagerStatus: string })
  const ready = nodes.filter((n) => n.Status === 'Ready')
  const leader = nodes.find((n) => n.ManagerStatus === 'Leader')
  const states = await Promise.all(
    lab.nodes.map(async (n) => {
      const { guest: ng } = await guest(n.name)
      const s = await ng.exec(['docker', 'info', '--format', '{{.Swarm.LocalNodeState}}'])
      return { node: n.name, state: s.code === 0 ? s.stdout.trim() : 'docker not answering' }
    }),
  )
  const inactive = states.filter((s) => s.state !== 'active')
  return [
    {
      on: manager,
      passed: ready.length >= options.ready && leader !== undefined && inactive.length === 0,
      expected: `${options.ready} nodes Ready, one Leader, every node active`,
      found:
        `${ready.length} Ready (${ready.map((n) => n.Hostname).join(', ') || 'none'})${leader ? `, leader ${leader.Hostname}` : ', no leader'}` +
        (inactive.length ? `; not in the swarm: ${inactive.map((s) => `${s.node} (${s.state})`).join(', ')}` : ''),
    },
  ]
}
