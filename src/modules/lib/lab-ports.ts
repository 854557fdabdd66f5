/**
 * What a node's firewall must let in for the lab's modules to work, computed from the lab's module list:
 * every opening with the modules that need it.
 */
import { parse } from 'yaml'
import type { ResolvedLab } from '../../lab/resolve.js'
import { firstManager, moduleTargets } from '../../lab/targets.js'

export interface Opening {
  /** A firewalld service name (ssh) or a port: `2377/tcp`, `8000-8010/udp`. */
  kind: 'service' | 'port'
  name: string
  /** Why it is open: the modules that need it. */
  why: string[]
}

/**
 * `composePorts` holds, per compose project, the ports its file publishes (`18848/tcp`); a project whose
 * file could not be read is simply missing.
 */
export function labOpenings(lab: ResolvedLab, node: string, extra: readonly string[], composePorts: ReadonlyMap<string, string[]>): Opening[] {
  const found = new Map<string, Opening>()
  const add = (kind: Opening['kind'], name: string, why: string): void => {
    const known = found.get(`${kind}:${name}`)
    if (!known) found.set(`${kind}:${name}`, { kind, name, why: [why] })
    else if (!known.why.includes(why)) known.why.push(why)
  }
  add('service', 'ssh', 'lab reaches every node over SSH')
  const swarm = lab.modules.find((m) => m.module === 'swarm')
  const swarmTargets = swarm ? moduleTargets(lab, swarm) : []
  const inSwarm = swarmTargets.some((t) => t.node === node)
  // Ports published on a swarm are answered by every member (the routing mesh); without one, by its first manager.
  const meshed = swarm ? inSwarm : node === firstManager(lab)
  for (const step of lab.modules) {
    switch (step.module) {
      case 'swarm':
        if (swarmTargets.some((t) => t.node === node && t.role === 'manager')) add('port', '2377/tcp', 'swarm managers')
        if (inSwarm) {
          add('port', '7946/tcp', 'swarm node discovery')
          add('port', '7946/udp', 'swarm node discovery')
          add('port', `${step.options.data_path_port ?? 4789}/udp`, 'swarm overlay traffic')
        }
        break
      case 'chrony':
        if (step.options.server === node) add('port', '123/udp', 'chrony serves the lab time')
        break
      case 'registry':
        if (step.options.node === node) add('port', `${step.options.port}/tcp`, 'private registry')
        break
      case 'harbor':
        if (step.options.node === node) add('port', `${step.options.http_port}/tcp`, 'Harbor')
        break
      case 'portainer':
        if (meshed) {
          for (const p of [step.options.http_port, step.options.https_port, 8000]) add('port', `${p}/tcp`, 'Portainer')
          add('port', '9001/tcp', 'Portainer agent')
        }
        break
      case 'service':
        if (meshed) {
          const publish = step.options.publish === undefined ? [] : [step.options.publish].flat()
          for (const p of publish) add('port', publishedPort(p), `service ${step.options.name}`)
        }
        break
      case 'compose':
        if (step.options.node === node) for (const p of composePorts.get(step.options.project) ?? []) add('port', p, `compose project ${step.options.project}`)
        break
      default:
        break
    }
  }
  for (const p of extra) add('port', p, 'firewall ports')
  return [...found.values()]
}

/** `8080:80/udp` → `8080/udp` (the published side). */
function publishedPort(spec: string): string {
  const [ports, proto = 'tcp'] = spec.split('/')
  return `${ports!.split(':')[0]}/${proto}`
}

/**
 * The host ports a compose file publishes to the network: short (`"18848:80"`, `"0.0.0.0:80:80/udp"`) and
 * long syntax. Skipped: container-only ports (the host port is random), loopback bindings, and values
 * that use variables (unknown until compose runs).
 */
export function composePublishedPorts(text: string): string[] {
  const doc: unknown = parse(text)
  const out: string[] = []
  const services = (doc as { services?: unknown } | null)?.services
  if (typeof services !== 'object' || services === null) return out
  for (const service of Object.values(services)) {
    const ports = (service as { ports?: unknown } | null)?.ports
    if (!Array.isArray(ports)) continue
    for (const entry of ports) {
      const port = typeof entry === 'object' && entry !== null ? longSyntax(entry as Record<string, unknown>) : shortSyntax(String(entry))
      if (port !== undefined && !out.includes(port)) out.push(port)
    }
  }
  return out
}

const LOOPBACK = /^(127\.|\[?::1\]?$|localhost$)/

function shortSyntax(spec: string): string | undefined {
  const [body, proto = 'tcp'] = spec.split('/')
  let rest = body!
  let ip = ''
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(rest)
  if (bracketed) {
    ip = bracketed[1]!
    rest = bracketed[2]!
  }
  const parts = rest.split(':')
  if (parts.length === 3) ip = parts.shift()!
  if (parts.length !== 2) return undefined
  return hostPort(ip, parts[0]!, proto)
}

function longSyntax(entry: Record<string, unknown>): string | undefined {
  if (entry.published === undefined) return undefined
  return hostPort(String(entry.host_ip ?? ''), String(entry.published), String(entry.protocol ?? 'tcp'))
}

function hostPort(ip: string, published: string, proto: string): string | undefined {
  if (LOOPBACK.test(ip) || !/^\d{1,5}(-\d{1,5})?$/.test(published) || !/^(tcp|udp)$/.test(proto)) return undefined
  return `${published}/${proto}`
}
