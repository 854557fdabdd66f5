import { z } from 'zod'
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { parseDockerJson } from '../modules/lib/docker-json.js'
import { swarmMembers } from '../modules/lib/docker-swarm.js'
import { firstManager } from '../lab/targets.js'
import { inspectRunning } from './lib/running-containers.js'
import { dockerSaid } from './lib/docker-said.js'

interface Task {
  node: string
  container: string
  ip: string
}

const ContainerSchema = z.object({
  Id: z.string(),
  NetworkSettings: z.object({ Networks: z.record(z.string(), z.object({ IPAddress: z.string().default('') })).nullish() }),
})

/** Networks a task is on that are not the student's overlay: the routing mesh and the gateway bridge. */
const NOT_THE_OVERLAY = new Set(['ingress', 'docker_gwbridge', 'bridge', 'host', 'none'])

/**
 * Replicas of the service on different nodes ping each other over an overlay network: every node's running
 * replicas are read at once (batched with the other checks' reads), then one replica pings another's address.
 * The address is the one on the lab's overlay network when the task is on it, else on any overlay of the
 * student's (the notes' network name is not the only right one).
 */
export const overlayCheck: Check<CheckOptions<'overlay'>> = async ({ lab, options, guest }) => {
  const manager = firstManager(lab)
  const mod = lab.modules.find((m) => m.module === 'overlay' && m.options.service === options.service)
  const preferred = mod?.module === 'overlay' ? mod.options.network : 'busybox_overlay_network'
  const members = swarmMembers(lab).map((n) => n.name)
  const reads = await Promise.all(
    members.map(async (name) => {
      const { guest: g } = await guest(name)
      const { replicas } = await probeSections(g, name, { replicas: inspectRunning({ label: [`com.docker.swarm.service.name=${options.service}`] }) })
      if (replicas.code !== 0) return { name, error: dockerSaid(replicas.out) || 'docker does not answer', tasks: [] as Task[] }
      const tasks = parseDockerJson(z.array(ContainerSchema), replicas.out, 'docker inspect', name).flatMap((c): Task[] => {
        const nets = Object.entries(c.NetworkSettings.Networks ?? {}).filter(([net, n]) => n.IPAddress && !NOT_THE_OVERLAY.has(net))
        const [, on] = nets.find(([net]) => net === preferred) ?? nets[0] ?? []
        return on ? [{ node: name, container: c.Id, ip: on.IPAddress }] : []
      })
      return { name, tasks }
    }),
  )
  const withReplica = reads.filter((r) => r.tasks.length > 0)
  if (withReplica.length < 2) {
    const silent = reads.flatMap((r) => ('error' in r ? [`docker on ${r.name} does not answer (${r.error})`] : []))
    return [
      {
        on: manager,
        passed: false,
        expected: `replicas of ${options.service} on an overlay network, on two nodes or more`,
        found: [`running on ${withReplica.map((r) => r.name).join(', ') || 'no node'}`, ...silent].join('; '),
      },
    ]
  }
  const a = withReplica[0]!.tasks[0]!
  const b = withReplica[1]!.tasks[0]!
  const { guest: ga } = await guest(a.node)
  const { ping } = await probeSections(ga, a.node, { ping: `docker exec ${a.container} ping -c 1 -W 3 ${b.ip} 2>&1` })
  return [
    {
      on: `${a.node}→${b.node}`,
      passed: ping.code === 0,
      expected: `replica on ${a.node} pings ${b.ip} on ${b.node}`,
      found: ping.code === 0 ? 'ping answered' : `ping failed: ${ping.out.trim().split('\n').pop()}`,
    },
  ]
}
