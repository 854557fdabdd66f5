/**
 * Does this host's VMware have a host-only network with the lab's subnet? VMware's vmnets are host-wide and
 * their subnets were picked at install time, so vmlab does not create one: it uses vmnet1 (or a custom
 * host-only vmnet) when the subnet matches, and otherwise says exactly which of the two to change.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Preflight } from '../provider.js'
import { formatNetmask } from '../../lab/net.js'
import { parseNetworkingConfig, vmnetForCidr, type Vmnet } from './networking.js'

/** The file VMware keeps its vmnet subnets in on this OS (VMLAB_VMWARE_NETWORKING overrides it). */
export function networkingConfigPath(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  if (env.VMLAB_VMWARE_NETWORKING) return env.VMLAB_VMWARE_NETWORKING
  if (platform === 'darwin') return '/Library/Preferences/VMware Fusion/networking'
  if (platform === 'win32') return join(env.ProgramData ?? 'C:\\ProgramData', 'VMware', 'vmnetdhcp.conf')
  return '/etc/vmware/networking'
}

/** The host's vmnets, or undefined when the file cannot be read. */
export function readVmnets(path: string): Vmnet[] | undefined {
  try {
    const text = readFileSync(path, 'utf8')
    const natConf = join(dirname(path), 'vmnetnat.conf')
    return parseNetworkingConfig(text, existsSync(natConf) ? readFileSync(natConf, 'utf8') : undefined)
  } catch {
    return undefined
  }
}

function editor(platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'the Virtual Network Editor (VMware Workstation: Edit > Virtual Network Editor, "Change Settings")'
  if (platform === 'darwin') return 'VMware Fusion > Settings > Network'
  return 'the Virtual Network Editor (sudo vmware-netcfg)'
}

export type NetworkCheck = { vmnet: string; problems: Preflight[] } | { vmnet: undefined; problems: Preflight[] }

/**
 * Which vmnet the lab uses and what stands in the way. `vmnets` undefined means the configuration could not
 * be read from `source`. Windows lists only vmnets with DHCP on, so a missing vmnet1 there is a warning.
 */
export function checkLabNetwork(opts: { vmnets: readonly Vmnet[] | undefined; source: string; cidr: string; platform: NodeJS.Platform }): NetworkCheck {
  const { vmnets, source, cidr, platform } = opts
  const [network, prefix] = cidr.split('/')
  const mask = formatNetmask(Number(prefix))
  if (vmnets === undefined) {
    const problem = `cannot read VMware's network configuration at ${source}, so the lab's subnet ${cidr} cannot be checked`
    if (platform === 'win32') {
      return {
        vmnet: 'vmnet1',
        problems: [{ problem, fix: `make sure vmnet1 (host-only) uses subnet ${network} mask ${mask} in ${editor(platform)}`, fatal: false }],
      }
    }
    return {
      vmnet: undefined,
      problems: [
        {
          problem,
          fix: `open ${editor(platform)} once so that VMware writes it, or set VMLAB_VMWARE_NETWORKING to the file's path`,
          fatal: true,
        },
      ],
    }
  }
  const match = vmnetForCidr(vmnets, cidr)
  if (match) {
    if (match.hostAdapter === false) {
      return {
        vmnet: undefined,
        problems: [
          {
            problem: `${match.name} has the lab's subnet ${cidr}, but the host has no virtual adapter on it, so vmlab could not reach the VMs`,
            fix: `tick "Connect a host virtual adapter to this network" for ${match.name} in ${editor(platform)}`,
            fatal: true,
          },
        ],
      }
    }
    return { vmnet: match.name, problems: [] }
  }
  const vmnet1 = vmnets.find((v) => v.number === 1 && v.kind === 'hostonly')
  if (vmnet1 === undefined && platform === 'win32') {
    return {
      vmnet: 'vmnet1',
      problems: [
        {
          problem: `${source} does not list vmnet1 (its DHCP service is off), so the lab's subnet ${cidr} cannot be checked`,
          fix: `make sure vmnet1 (host-only) uses subnet ${network} mask ${mask} in ${editor(platform)}`,
          fatal: false,
        },
      ],
    }
  }
  const problem =
    vmnet1?.cidr !== undefined
      ? `VMware's host-only network vmnet1 uses ${vmnet1.cidr}, but the lab's network is ${cidr} (and no other host-only vmnet has that subnet)`
      : `VMware has no host-only network vmnet1 and no other host-only vmnet with the lab's subnet ${cidr}`
  const fixes = [
    ...(vmnet1?.cidr !== undefined ? [`change the lab's network.cidr to ${vmnet1.cidr}`] : []),
    `${vmnet1 ? 'change vmnet1' : 'add vmnet1 as a host-only network'} to subnet ${network} mask ${mask} in ${editor(platform)}`,
  ]
  return { vmnet: undefined, problems: [{ problem, fix: `${fixes.join(', or ')}; then run the command again`, fatal: true }] }
}
