/** The lab with every default applied and every address chosen: what the engine and the plan work from. */
import { OS_CATALOG, osFor, type OsInfo } from './os-catalog.js'
import { guestArch } from './guest-arch.js'
import { parseCidr, parseIPv4, formatIPv4, formatNetmask, hostAddress, broadcast, type Cidr } from './net.js'
import { labMac, normalizeMac } from './mac.js'
import { labKey } from './instance.js'
import type { LabFile, ProviderName } from './schema.js'
import type { ModuleStep, CheckStep } from './module-options.js'
import { capabilitiesOf } from '../providers/capabilities.js'
import type { Exercise } from './exercises.js'
import type { VariableSpec } from './exercise-schema.js'
import type { Values } from './variables.js'

export interface ResolvedNode {
  name: string
  fqdn: string
  ip: string
  /** The MAC given in the lab file, if any; otherwise `macFor(provider)` derives one. */
  mac?: string
  cpus: number
  memory: number
  disk: number
  forwards: Array<{ host: number; guest: number }>
}

export interface ResolvedLab {
  name: string
  /** The student's copy this is (lab/instance.ts); absent for the lab of one. */
  instance?: string
  description?: string
  os: OsInfo
  provider: LabFile['provider']
  network: {
    cidr: string
    prefix: number
    netmask: string
    hostIp: string
    domain: string
  }
  install: LabFile['install']
  /** Where a libvirt lab lives (provider libvirt). */
  libvirt?: NonNullable<LabFile['libvirt']>
  /** The Proxmox VE cluster (provider: proxmox). */
  proxmox?: LabFile['proxmox']
  /**
   * The host of a remote provider this instance was placed on (a class host's `connection`: a libvirt URI, a
   * Proxmox VE node); it overrides the lab file's for this instance only.
   */
  connection?: string
  /** The bundle folder the modules take images from (absolute, or relative to the lab file); none: registries as usual. */
  bundle?: string
  /** How lab-wide snapshots are taken: with the nodes' memory (a reset resumes them) or of their disks only (a reset boots them). */
  snapshots: LabFile['snapshots']
  nodes: ResolvedNode[]
  modules: ModuleStep[]
  checks: CheckStep[]
  /** The course's exercises, with the values of `course.student` put in. */
  exercises: Exercise[]
  course: Course
}

/** What a lab needs to give another student their own exercises. */
export interface Course {
  variables: Record<string, VariableSpec>
  /** The exercises as written, placeholders and all. */
  raw: unknown[]
  /** Whose values the exercises hold ('' : the course as written). */
  student: string
  values: Values
  /** The lab file as read: what re-reading the exercises with other values needs. */
  file: LabFile
}

/** Where automatic addresses start: .10 on a /24, as in the course notes. */
const FIRST_AUTO_OFFSET = 10

export function resolveLab(lab: LabFile, modules: ModuleStep[], checks: CheckStep[]): ResolvedLab {
  const cidr = parseCidr(lab.network.cidr) as Cidr
  const taken = new Set(lab.nodes.filter((n) => n.ip).map((n) => parseIPv4(n.ip!)!))
  const last = broadcast(cidr) - 1
  // Small networks have no room for the offset: start right after the host's address. Past the last address
  // come the ones below the offset: validate counts every address but the host's as free.
  const start = cidr.network + FIRST_AUTO_OFFSET <= last ? cidr.network + FIRST_AUTO_OFFSET : hostAddress(cidr) + 1
  const order = addresses(start, last, hostAddress(cidr) + 1)
  const nodes = lab.nodes.map((n): ResolvedNode => {
    let ip = n.ip
    if (ip === undefined) {
      let free = order.next()
      while (!free.done && taken.has(free.value)) free = order.next()
      if (free.done) throw new Error(`no free address left in ${cidr.text} for node ${n.name}, though validate found room`)
      ip = formatIPv4(free.value)
      taken.add(free.value)
    }
    const node: ResolvedNode = {
      name: n.name,
      fqdn: `${n.name}.${lab.network.domain}`,
      ip,
      cpus: n.cpus ?? lab.defaults.cpus,
      memory: n.memory ?? lab.defaults.memory,
      disk: n.disk ?? lab.defaults.disk,
      forwards: n.forwards.map((f) => (typeof f === 'number' ? { host: f, guest: f } : { host: Number(f.split(':')[0]), guest: Number(f.split(':')[1]) })),
    }
    if (n.mac !== undefined) node.mac = normalizeMac(n.mac)
    return node
  })
  const resolved: ResolvedLab = {
    name: lab.name,
    // A lab whose arch the catalog has no media of fails validation; resolving it anyway gives the x86_64 entry.
    os: osFor(lab.os, guestArch(lab)) ?? OS_CATALOG[lab.os],
    provider: lab.provider,
    network: {
      cidr: cidr.text,
      prefix: cidr.prefix,
      netmask: formatNetmask(cidr.prefix),
      hostIp: formatIPv4(hostAddress(cidr)),
      domain: lab.network.domain,
    },
    install: lab.install,
    snapshots: lab.snapshots,
    nodes,
    modules,
    checks,
    exercises: [],
    course: { variables: lab.variables, raw: lab.exercises, student: '', values: {}, file: lab },
  }
  if (lab.description !== undefined) resolved.description = lab.description
  if (lab.libvirt !== undefined) resolved.libvirt = lab.libvirt
  if (lab.proxmox !== undefined) resolved.proxmox = lab.proxmox
  if (lab.bundle !== undefined) resolved.bundle = lab.bundle
  return resolved
}

/** `start`..`last`, then `first`..`start - 1`. */
function* addresses(start: number, last: number, first: number): Generator<number> {
  for (let a = start; a <= last; a++) yield a
  for (let a = first; a < start; a++) yield a
}

/** The lab NIC's MAC: the one the lab file gives, else one derived in the provider's range. */
export function macFor(lab: ResolvedLab, node: ResolvedNode, provider: ProviderName): string {
  return node.mac ?? labMac(capabilitiesOf(provider).macs, labKey(lab), parseIPv4(node.ip)!)
}
