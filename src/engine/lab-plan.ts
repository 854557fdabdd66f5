/** What `lab up` would create and run, computed without touching anything. */
import type { LoadedLab } from '../lab/load.js'
import type { ProviderName } from '../lab/schema.js'
import { macFor } from '../lab/resolve.js'
import { vmName } from '../lab/vm-names.js'
import { moduleTargets, type Target } from '../lab/targets.js'
import { autoProvider, AUTO_ORDER } from '../providers/locate.js'
import { PROVIDER_NAMES } from '../lab/provider-names.js'
import { providersThat } from '../providers/capabilities.js'
import { HostError, InputError } from '../util/errors.js'

export interface LabPlan {
  lab: string
  file: string
  os: { id: string; title: string; family: string; arch: string }
  provider: { name: ProviderName; chosen: 'lab file' | 'flag' | 'auto'; binary?: string }
  network: { cidr: string; hostIp: string; netmask: string; domain: string }
  vms: Array<{
    name: string
    node: string
    fqdn: string
    ip: string
    mac: string
    cpus: number
    memoryMiB: number
    diskGiB: number
    forwards: Array<{ host: number; guest: number }>
  }>
  modules: Array<{ module: string; targets: Target[] }>
  checks: string[]
  stateDir: string
}

export function chooseProvider(loaded: LoadedLab, flag?: string): LabPlan['provider'] {
  if (flag !== undefined) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(flag)) throw new InputError(`unknown provider '${flag}'`, `use one of: ${PROVIDER_NAMES.join(', ')}`)
    return { name: flag as ProviderName, chosen: 'flag' }
  }
  if (loaded.lab.provider !== 'auto') return { name: loaded.lab.provider, chosen: 'lab file' }
  // An OS that one provider alone makes guests of leaves no choice: it need not be installed to plan for it.
  const family = loaded.lab.os.family
  // Only the providers auto tries: libvirt and Proxmox need their host named (libvirt.uri, proxmox.url), so they are never a guess.
  const able = providersThat((c) => c.guests[family] !== undefined).filter((n) => AUTO_ORDER.includes(n))
  if (able.length === 1) return { name: able[0]!, chosen: 'auto' }
  const found = autoProvider(process.env, able)
  if (!found) {
    throw new HostError('no hypervisor found: neither VBoxManage, vmrun nor qemu-system-x86_64 is installed or on PATH', {
      hint: 'install VirtualBox (https://www.virtualbox.org), VMware Workstation/Fusion, or QEMU, or give --provider to see the plan for one',
    })
  }
  return { name: found.name, chosen: 'auto', binary: found.binary }
}

export function buildPlan(loaded: LoadedLab, providerFlag?: string): LabPlan {
  const lab = loaded.lab
  const provider = chooseProvider(loaded, providerFlag)
  return {
    lab: lab.name,
    file: loaded.displayName,
    os: { id: lab.os.id, title: lab.os.title, family: lab.os.family, arch: lab.os.arch },
    provider,
    network: { cidr: lab.network.cidr, hostIp: lab.network.hostIp, netmask: lab.network.netmask, domain: lab.network.domain },
    vms: lab.nodes.map((n) => ({
      name: vmName(lab, n),
      node: n.name,
      fqdn: n.fqdn,
      ip: n.ip,
      mac: macFor(lab, n, provider.name),
      cpus: n.cpus,
      memoryMiB: n.memory,
      diskGiB: n.disk,
      forwards: n.forwards,
    })),
    modules: lab.modules.map((m) => ({ module: m.module, targets: moduleTargets(lab, m) })),
    checks: lab.checks.map((c) => c.check),
    stateDir: loaded.stateDir,
  }
}
