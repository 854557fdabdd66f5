/**
 * The lab's host-only network: a vboxnetN interface with the host's lab address (Windows, Linux, macOS
 * with 6.x), or a named host-only network on macOS with VirtualBox 7. An existing one with the same
 * address is reused and then never removed by us. No DHCP server: nodes get static addresses.
 */
import { readFile } from 'node:fs/promises'
import { NAME_PREFIX } from '../../lab/vm-names.js'
import { broadcast, formatIPv4, parseCidr, parseIPv4 } from '../../lab/net.js'
import { InputError, LabError } from '../../util/errors.js'
import type { NetworkHandle, NetworkSpec, Preflight } from '../provider.js'
import type { VBoxDriver } from './driver.js'
import { checksNetworksConf, usesHostOnlyNetworks, type VBoxFlavour } from './flavour.js'
import type { HostOnlyNetwork } from './lists.js'
import { networksConfProblem } from './networks-conf.js'

/** networks.conf as text, or undefined when there is no such file. */
async function readNetworksConf(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new LabError(`cannot read ${path}: ${(error as Error).message}`, { hint: 'make it readable, VirtualBox reads it too' })
  }
}

/** The networks.conf problem for this lab network on this host, if VirtualBox would refuse it. */
export async function networksConfPreflight(flavour: VBoxFlavour, net: { cidr: string; prefix: number; hostIp: string }, path: string): Promise<Preflight | undefined> {
  if (!checksNetworksConf(flavour)) return undefined
  return networksConfProblem(net, await readNetworksConf(path), path)
}

/** The address the host takes on a VirtualBox 7 host-only network: its lower bound (the next one when that is the network address). */
export function hostAddressOf(net: HostOnlyNetwork): string | undefined {
  const lower = parseIPv4(net.lowerIp)
  const mask = parseIPv4(net.netmask)
  if (lower === undefined || mask === undefined) return undefined
  return formatIPv4((lower & mask) >>> 0 === lower ? lower + 1 : lower)
}

/** The name of a lab's host-only network (VirtualBox 7 on macOS), prefixed like our VMs. */
function hostOnlyNetName(lab: string): string {
  return `${NAME_PREFIX}-${lab}`
}

/**
 * An existing network for the lab: one we named for it (ours, so `created`), or any with the lab's host
 * address and mask (someone else's: reused, never removed).
 */
export async function findHostOnly(driver: VBoxDriver, flavour: VBoxFlavour, spec: NetworkSpec): Promise<NetworkHandle | undefined> {
  if (usesHostOnlyNetworks(flavour)) {
    const nets = await driver.listHostOnlyNets()
    const ours = nets.find((n) => n.name === hostOnlyNetName(spec.lab))
    if (ours) return { id: ours.name, created: true }
    const same = nets.find((n) => hostAddressOf(n) === spec.hostIp && n.netmask === spec.netmask)
    return same && { id: same.name, created: false }
  }
  const ifs = await driver.listHostOnlyIfs()
  const same = ifs.find((i) => i.ip === spec.hostIp && i.netmask === spec.netmask)
  return same && { id: same.name, created: false }
}

export async function ensureHostOnly(driver: VBoxDriver, flavour: VBoxFlavour, spec: NetworkSpec, networksConf: string): Promise<NetworkHandle> {
  const existing = await findHostOnly(driver, flavour, spec)
  if (existing) return existing
  if (usesHostOnlyNetworks(flavour)) {
    const cidr = parseCidr(spec.cidr)
    if (!('network' in cidr)) throw new InputError(cidr.message, cidr.hint)
    const name = hostOnlyNetName(spec.lab)
    await driver.hostOnlyNetAdd({ name, netmask: spec.netmask, lowerIp: spec.hostIp, upperIp: formatIPv4(broadcast(cidr) - 1) })
    return { id: name, created: true }
  }
  const problem = await networksConfPreflight(flavour, spec, networksConf)
  if (problem) throw new LabError(problem.problem, { hint: problem.fix })
  const name = await driver.hostOnlyIfCreate()
  try {
    await driver.hostOnlyIfIpconfig(name, spec.hostIp, spec.netmask)
  } catch (error) {
    // Leave nothing half-made behind; the ipconfig error is the one worth showing.
    await driver.hostOnlyIfRemove(name).catch(() => undefined)
    throw error
  }
  return { id: name, created: true }
}

export async function removeHostOnly(driver: VBoxDriver, flavour: VBoxFlavour, handle: NetworkHandle): Promise<void> {
  if (!handle.created) return
  if (usesHostOnlyNetworks(flavour)) {
    const nets = await driver.listHostOnlyNets()
    if (nets.some((n) => n.name === handle.id)) await driver.hostOnlyNetRemove(handle.id)
    return
  }
  const ifs = await driver.listHostOnlyIfs()
  if (ifs.some((i) => i.name === handle.id)) await driver.hostOnlyIfRemove(handle.id)
}
