import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'

interface Task {
  node: string
  container: string
  ip: string
}

/** Replicas of the service on different nodes ping each other over the overlay network. */
export const overlayCheck: Check<CheckOptions<'overlay'>> = async ({ lab, options, guest }) => {
  const manager = firstManager(lab)
  // The address to ping is the one on the lab's overlay network (a task is also on ingress and the gateway bridge).
  const mod = lab.modules.find((m) => m.module === 'overlay' && m.options.service === options.service)
  const network = mod?.module === 'overlay' ? mod.options.network : 'busybox_overlay_network'
  const { guest: m } = await guest(manager)
  const ps = await m.exec(['docker', 'service', 'ps', options.service, '--filter', 'desired-state=running', '--format', '{{.Node}}'])
  if (ps.code !== 0) return [{ on: manager, passed: false, expected: `service ${options.service} running`, found: ps.stderr.trim() }]
  const hosts = [
    ...new Set(
      ps.stdout
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ]
  const tasks: Task[] = []
  for (const host of hosts) {
    const node = lab.nodes.find((n) => n.fqdn === host || n.name === host)
    if (!node) continue
    const { guest: g } = await guest(node.name)
    const r = await g.exec(['docker', 'ps', '--filter', `label=com.docker.swarm.service.name=${options.service}`, '--format', '{{.ID}}'])
    const id = r.stdout.split('\n')[0]?.trim()
    if (!id) continue
    const ip = await g.exec(['docker', 'inspect', '--format', `{{(index .NetworkSettings.Networks ${JSON.stringify(network)}).IPAddress}}`, id])
    const addr = ip.stdout.trim()
    if (ip.code === 0 && addr) tasks.push({ node: node.name, container: id, ip: addr })
  }
  if (tasks.length < 2) {
    return [{ on: manager, passed: false, expected: `replicas of ${options.service} on two nodes or more`, found: `running on ${hosts.join(', ') || 'no node'}` }]
  }
  const [a, b] = tasks as [Task, Task]
  const { guest: ga } = await guest(a.node)
  const r = await ga.exec(['docker', 'exec', a.container, 'ping', '-c', '1', '-W', '3', b.ip])
  return [
    {
      on: `${a.node}→${b.node}`,
      passed: r.code === 0,
      expected: `replica on ${a.node} pings ${b.ip} on ${b.node}`,
      found: r.code === 0 ? 'ping answered' : `ping failed: ${(r.stdout + r.stderr).trim().split('\n').pop()}`,
    },
  ]
}
