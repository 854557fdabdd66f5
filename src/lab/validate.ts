/** The checks a schema cannot express: addresses, uniqueness, node references, OS limits, what the provider makes. */
import { OS_CATALOG } from './os-catalog.js'
import { parseCidr, parseIPv4, formatIPv4, contains, broadcast, hostAddress, type Cidr } from './net.js'
import { macProblem, normalizeMac } from './mac.js'
import { closest } from './suggest.js'
import { excerpt } from './excerpt.js'
import { isDebianPackage, isFqdn } from './install-values.js'
import { collectRefs, type Entry } from './entries.js'
import { MODULES, CHECKS, type OptionSpec } from './module-options.js'
import type { LabFile } from './schema.js'
import type { Problem } from './problems.js'
import { anyOf, capabilitiesOf, providersThat } from '../providers/capabilities.js'
import { archProblems, guestArch } from './guest-arch.js'

export function validateLab(lab: LabFile, modules: Entry[], checks: Entry[], problems: Problem[]): void {
  const os = OS_CATALOG[lab.os]

  const cidrOrProblem = parseCidr(lab.network.cidr)
  const cidr: Cidr | undefined = 'network' in cidrOrProblem ? cidrOrProblem : undefined
  if (!cidr) problems.push({ path: ['network', 'cidr'], ...(cidrOrProblem as { message: string; hint: string }) })

  guestProblems(lab, problems)
  archProblems(lab, problems)
  hostBlockProblems(lab, problems)

  const seenName = new Map<string, number>()
  const seenIp = new Map<number, number>()
  const seenMac = new Map<string, number>()
  const seenForward = new Map<number, number>()
  lab.nodes.forEach((node, i) => {
    const first = seenName.get(node.name)
    if (first !== undefined) {
      problems.push({ path: ['nodes', i, 'name'], message: `node name '${node.name}' is used twice`, hint: `nodes[${first}] has it already; names must be unique` })
    } else seenName.set(node.name, i)

    if (node.ip !== undefined && cidr) {
      const ip = parseIPv4(node.ip)!
      const where = ['nodes', i, 'ip']
      if (!contains(cidr, ip)) {
        problems.push({
          path: where,
          message: `${node.ip} is outside the lab network ${cidr.text}`,
          hint: `pick an address between ${formatIPv4(cidr.network + 2)} and ${formatIPv4(broadcast(cidr) - 1)}`,
        })
      } else if (ip === cidr.network) {
        problems.push({ path: where, message: `${node.ip} is the network address of ${cidr.text}`, hint: 'hosts cannot use it; pick another address' })
      } else if (ip === broadcast(cidr)) {
        problems.push({ path: where, message: `${node.ip} is the broadcast address of ${cidr.text}`, hint: 'hosts cannot use it; pick another address' })
      } else if (ip === hostAddress(cidr)) {
        problems.push({
          path: where,
          message: `${node.ip} is the host's own address on the lab network`,
          hint: `the host side takes ${formatIPv4(hostAddress(cidr))}; start nodes at ${formatIPv4(cidr.network + 10)}`,
        })
      }
      const dup = seenIp.get(ip)
      if (dup !== undefined) problems.push({ path: where, message: `${node.ip} is already the address of ${lab.nodes[dup]!.name}`, hint: 'every node needs its own address' })
      else seenIp.set(ip, i)
    }

    if (node.mac !== undefined) {
      const mac = normalizeMac(node.mac)
      const dup = seenMac.get(mac)
      if (dup !== undefined) problems.push({ path: ['nodes', i, 'mac'], message: `${node.mac} is already the MAC of ${lab.nodes[dup]!.name}`, hint: 'leave mac out and vmlab derives a unique one' })
      else seenMac.set(mac, i)
      // With provider: auto the hypervisor is not known yet: only what every MAC must be is checked.
      const why = macProblem(lab.provider === 'auto' ? undefined : capabilitiesOf(lab.provider).macs, mac)
      if (why) problems.push({ path: ['nodes', i, 'mac'], message: `${node.mac} ${why}`, hint: 'leave mac out and vmlab derives one that fits' })
    }

    const memory = node.memory ?? lab.defaults.memory
    if (memory < os.minMemoryMiB) {
      problems.push({
        path: node.memory !== undefined ? ['nodes', i, 'memory'] : ['defaults', 'memory'],
        message: `${memory} MiB is less than the ${os.title} installer needs`,
        hint: `give at least ${os.minMemoryMiB} (MiB)`,
      })
    }
    const disk = node.disk ?? lab.defaults.disk
    if (disk < os.minDiskGiB) {
      problems.push({
        path: node.disk !== undefined ? ['nodes', i, 'disk'] : ['defaults', 'disk'],
        message: `${disk} GiB is too small for ${os.title}`,
        hint: `give at least ${os.minDiskGiB} (GiB)`,
      })
    }

    node.forwards.forEach((f, j) => {
      const host = typeof f === 'number' ? f : Number(f.split(':')[0])
      const guest = typeof f === 'number' ? f : Number(f.split(':')[1])
      if (host < 1 || host > 65535 || guest < 1 || guest > 65535) {
        problems.push({ path: ['nodes', i, 'forwards', j], message: `port out of range in ${JSON.stringify(f)}`, hint: 'ports are 1-65535' })
        return
      }
      const dup = seenForward.get(host)
      if (dup !== undefined)
        problems.push({ path: ['nodes', i, 'forwards', j], message: `host port ${host} is already forwarded to ${lab.nodes[dup]!.name}`, hint: 'each host port can go to one node only' })
      else seenForward.set(host, i)
    })
  })

  hostNameProblems(lab, problems)

  if (cidr) {
    const free = 2 ** (32 - cidr.prefix) - 3 // network, broadcast, host
    if (lab.nodes.length > free) problems.push({ path: ['nodes'], message: `${lab.nodes.length} nodes do not fit in ${cidr.text}`, hint: 'use a larger network (smaller prefix)' })
  }

  const install = lab.install
  if (install.root_password !== undefined && install.root_password_hash !== undefined) {
    problems.push({ path: ['install', 'root_password_hash'], message: 'root_password and root_password_hash are both given', hint: 'keep one of them' })
  }
  if (install.user.password !== undefined && install.user.password_hash !== undefined) {
    problems.push({ path: ['install', 'user', 'password_hash'], message: 'password and password_hash are both given', hint: 'keep one of them' })
  }
  if (install.source === 'url' && install.mirror === undefined && !os.installUrl) {
    problems.push({ path: ['install', 'source'], message: `network installs of ${lab.os} need a mirror`, hint: 'add install.mirror: <base URL of the OS repository>' })
  }

  entryProblems(lab, modules, checks, problems)
}

/** The rules of module and check entries beyond their options' schema: the lab's own, and every exercise's. */
export function entryProblems(lab: LabFile, modules: Entry[], checks: Entry[], problems: Problem[]): void {
  const nodeNames = lab.nodes.map((n) => n.name)
  for (const c of checks) {
    const ready = c.name === 'swarm' ? (c.options as { ready?: number }).ready : undefined
    if (ready !== undefined && ready > lab.nodes.length) {
      problems.push({ path: [...c.path, 'swarm', 'ready'], message: `${ready} nodes can never be ready: the lab has ${lab.nodes.length}`, hint: `use at most ${lab.nodes.length}` })
    }
  }

  checkRefs(modules, MODULES, nodeNames, problems)
  harborArchProblems(lab, modules, problems)
  checkRefs(checks, CHECKS, nodeNames, problems)

  for (const m of modules) {
    if (m.name !== 'swarm') continue
    const o = m.options as { managers: string[]; workers: string[] | 'others' }
    if (Array.isArray(o.workers)) {
      o.workers.forEach((w, k) => {
        if (o.managers.includes(w)) problems.push({ path: [...m.path, 'swarm', 'workers', k], message: `${w} is listed as manager and worker`, hint: 'a node is one or the other' })
      })
    }
  }
}

/** Harbor's installer (goharbor/harbor releases) ships x86-64 images only: on an aarch64 node its containers cannot start. */
function harborArchProblems(lab: LabFile, modules: Entry[], problems: Problem[]): void {
  if (guestArch(lab) !== 'aarch64') return
  for (const m of modules) {
    if (m.name !== 'harbor') continue
    problems.push({
      path: m.path,
      message: 'Harbor publishes no official arm64 installer: its offline and online installers hold x86-64 images only, which an aarch64 node cannot run',
      hint: 'use the registry module instead (a private registry that every node trusts; its image is multi-arch), or arch: x86_64',
    })
  }
}

/** The OS and the cloud image against what the lab's provider makes (for auto: what every provider makes). */
function guestProblems(lab: LabFile, problems: Problem[]): void {
  const family = OS_CATALOG[lab.os].family
  if (lab.provider !== 'auto' && !capabilitiesOf(lab.provider).guests[family]) {
    const makers = providersThat((c) => c.guests[family] !== undefined)
    const how = makers.every((p) => capabilitiesOf(p).guests[family] === 'image') ? 'built as images' : 'installed'
    const others = providersThat((c) => c.guests[family] === undefined).map((p) => capabilitiesOf(p).title)
    problems.push({
      path: ['os'],
      message: `${lab.os} guests are ${how} for the ${anyOf(makers)} provider only`,
      hint: `use provider: ${anyOf(makers)}, or an EL OS (rocky9, alma9, …) with ${anyOf(others)}`,
    })
  }

  // Debian bases are built with debootstrap, which takes plain package names only (no @group, glob or -name).
  if (family === 'debian') {
    lab.install.packages.forEach((p, i) => {
      if (!isDebianPackage(p))
        problems.push({
          path: ['install', 'packages', i],
          message: `"${p}" is not a Debian package name`,
          hint: 'Debian bases take package names only (lower-case letters, digits and +.-): no @group, glob or -name',
        })
    })
  }

  const booting = providersThat((c) => c.cloudImages !== undefined)
  const boots = lab.provider === 'auto' ? booting.length === providersThat(() => true).length : booting.includes(lab.provider)
  if (lab.install.image !== undefined && !boots) {
    problems.push({
      path: ['install', 'image'],
      message:
        lab.provider === 'auto'
          ? `a cloud image needs the ${anyOf(booting)} provider, and provider: auto may pick another`
          : `a cloud image works with the ${anyOf(booting)} provider only, not ${lab.provider}`,
      hint: `set provider: ${anyOf(booting)}, or remove install.image to install the OS from its ISO`,
    })
  }
}

/** A host block (`libvirt:`) belongs to the provider that reads it: elsewhere it would be silently ignored. */
function hostBlockProblems(lab: LabFile, problems: Problem[]): void {
  const block = lab.provider === 'auto' ? undefined : capabilitiesOf(lab.provider).hostBlock
  const readers = providersThat((c) => c.hostBlock !== undefined)
  for (const p of readers) {
    const key = capabilitiesOf(p).hostBlock!
    if (key === block || (lab as Record<string, unknown>)[key] === undefined) continue
    problems.push({ path: [key], message: `read by provider: ${p} only, and this lab's provider is ${lab.provider}`, hint: `set provider: ${p}, or remove the ${key}: block` })
  }
}

/** Every node's FQDN, and the base VM's (`<lab>-base.<domain>`), is a kickstart host name. */
function hostNameProblems(lab: LabFile, problems: Problem[]): void {
  const domain = lab.network.domain
  if (!isFqdn(`a.${domain}`)) {
    problems.push({
      path: ['network', 'domain'],
      message: `${excerpt(domain)} cannot end a host name`,
      hint: 'use labels of at most 63 characters, the last one not all digits, e.g. localdomain or lab.example',
    })
    return
  }
  if (!isFqdn(`${lab.name}-base.${domain}`)) {
    problems.push({ path: ['name'], message: `the base VM's host name ${excerpt(`${lab.name}-base.${domain}`)} is too long`, hint: 'shorten the lab name to 58 characters at most, or the domain' })
  }
  lab.nodes.forEach((node, i) => {
    if (!isFqdn(`${node.name}.${domain}`))
      problems.push({ path: ['nodes', i, 'name'], message: `the host name ${excerpt(`${node.name}.${domain}`)} is longer than 253 characters`, hint: 'shorten the node name or the domain' })
  })
}

function checkRefs(entries: Entry[], specs: Record<string, OptionSpec>, nodeNames: string[], problems: Problem[]): void {
  for (const e of entries) {
    for (const ref of collectRefs(e.options, specs[e.name]!.refs)) {
      if (nodeNames.includes(ref.value)) continue
      const guess = closest(ref.value, nodeNames)
      problems.push({
        path: [...e.path, e.name, ...ref.path],
        message: `no node named '${excerpt(ref.value)}' in this lab`,
        hint: guess ? `did you mean '${guess}'?` : `nodes: ${nodeNames.join(', ')}`,
      })
    }
  }
}
