import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'

/** Every node Ready in `docker node ls` on the manager, and a Leader among them. */
export const swarmCheck: Check<CheckOptions<'swarm'>> = async ({ lab, options, guest }) => {
  const manager = firstManager(lab)
  const { guest: g } = await guest(manager)
  const r = await g.exec(['docker', 'node', 'ls', '--format', '{{json .}}'])
  if (r.code !== 0) return [{ on: manager, passed: false, expected: `${options.ready} nodes Ready`, found: r.stderr.trim() || `exit ${r.code}` }]
  const nodes = r.stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { Hostname: string; Status: string; ManagerStatus: string })
  const ready = nodes.filter((n) => n.Status === 'Ready')
  const leader = nodes.find((n) => n.ManagerStatus === 'Leader')
  return [
    {
      on: manager,
      passed: ready.length >= options.ready && leader !== undefined,
      expected: `${options.ready} nodes Ready, one Leader`,
      found: `${ready.length} Ready (${ready.map((n) => n.Hostname).join(', ') || 'none'})${leader ? `, leader ${leader.Hostname}` : ', no leader'}`,
    },
  ]
}
