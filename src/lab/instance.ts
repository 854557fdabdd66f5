/**
 * Instances: one lab file, many copies of its VMs (one per student). Everything the hypervisor and the state
 * folder see is keyed by lab × instance × node, so two students never share a VM, a network or a key.
 * Without an instance the lab is what it always was (the laptop's instance of one): same names, same folder.
 */
import { join } from 'node:path'
import { formatIPv4, formatNetmask, hostAddress, parseCidr, parseIPv4, type Cidr } from './net.js'
import type { ResolvedLab } from './resolve.js'

/**
 * Letters, digits and `_` only: the `-` that separates a VM name's parts may not appear in it, so one
 * student's name prefix (`vmlab-swarm.ann-`) is never the start of another's (`vmlab-swarm.ann-b-`).
 */
export const INSTANCE_ID = /^[a-z0-9][a-z0-9_]{0,31}$/

export function instanceIdProblem(id: string): string | undefined {
  if (INSTANCE_ID.test(id)) return undefined
  return `'${id.slice(0, 40)}' is not a valid instance id: use 1–32 lower-case letters, digits or _ (starting with a letter or digit)`
}

/** Where an instance's network and forwarded ports are, as the class chose them. */
export interface InstanceSpec {
  id: string
  /** The instance's own lab network; the lab file's when left out (an instance alone on its host). */
  cidr?: string
  /** Added to every forwarded host port, so that instances on one host never ask for the same port. */
  portOffset?: number
  /** The provider of the class host the instance was placed on; the lab file's when left out. */
  provider?: ResolvedLab['provider']
  /** That host's connection (a libvirt URI, a Proxmox VE node), when the provider reaches other machines. */
  connection?: string
}

/** The key of everything a hypervisor sees (VM names, networks, MACs): the lab's name, and its instance's id. */
export function labKey(lab: Pick<ResolvedLab, 'name'> & { instance?: string }): string {
  return lab.instance === undefined ? lab.name : `${lab.name}.${lab.instance}`
}

/**
 * The `index`-th subnet of the lab's size (`prefix`) in the class's pool, e.g. 10.60.3.0/24 for the fourth
 * student in 10.60.0.0/16; undefined when the pool has no room for that many.
 */
export function instanceSubnet(pool: string, prefix: number, index: number): string | undefined {
  const p = parseCidr(pool)
  if (!('network' in p)) throw new Error(`bad pool ${pool}: ${p.message}`)
  if (prefix < p.prefix || index < 0) return undefined
  const count = 2 ** (prefix - p.prefix)
  if (index >= count) return undefined
  return `${formatIPv4(p.network + index * 2 ** (32 - prefix))}/${prefix}`
}

/** How many instances a pool holds at the lab's subnet size. */
export function poolSize(pool: string, prefix: number): number {
  const p = parseCidr(pool)
  if (!('network' in p) || prefix < p.prefix) return 0
  return 2 ** (prefix - p.prefix)
}

/**
 * The lab as one instance: the same nodes at the same offsets in the instance's own network (node .10 stays
 * .10), its forwarded ports moved by the offset. Credentials and state follow from the state folder (load.ts).
 */
export function instantiate(lab: ResolvedLab, spec: InstanceSpec): ResolvedLab {
  const problem = instanceIdProblem(spec.id)
  if (problem) throw new Error(problem)
  const from = parseCidr(lab.network.cidr) as Cidr
  let to = from
  if (spec.cidr !== undefined) {
    const parsed = parseCidr(spec.cidr)
    if (!('network' in parsed)) throw new Error(`instance ${spec.id}: ${parsed.message}`)
    if (parsed.prefix !== from.prefix) throw new Error(`instance ${spec.id}: its network ${spec.cidr} is not a /${from.prefix} like the lab's ${from.text}`)
    to = parsed
  }
  const move = (ip: string) => formatIPv4(to.network + (parseIPv4(ip)! - from.network))
  const offset = spec.portOffset ?? 0
  return {
    ...lab,
    instance: spec.id,
    ...(spec.provider !== undefined ? { provider: spec.provider } : {}),
    ...(spec.connection !== undefined ? { connection: spec.connection } : {}),
    network: { ...lab.network, cidr: to.text, prefix: to.prefix, netmask: formatNetmask(to.prefix), hostIp: formatIPv4(hostAddress(to)) },
    nodes: lab.nodes.map((n) => ({ ...n, ip: move(n.ip), forwards: n.forwards.map((f) => ({ host: f.host + offset, guest: f.guest })) })),
  }
}

/** The file in an instance's state folder that says where its network is (written by `lab class up`). */
export const INSTANCE_FILE = 'instance.json'

/** The folder in the lab's state folder that holds the instances (and the class record). */
export const INSTANCES_DIR = 'instances'

/** `.lab/<lab>/instances/<id>/`: the instance's state, passwords, keys, journal and command log. */
export function instanceStateDir(labStateDir: string, id: string): string {
  return join(labStateDir, INSTANCES_DIR, id)
}
