/**
 * Which guest architecture a lab gets, and what is wrong with it: the OS must have media of it, and the
 * provider (for provider: auto, the ones auto may pick) must run it on this host.
 */
import { archesOf, osesFor, OS_CATALOG } from './os-catalog.js'
import { hostArch, type Arch } from './arch.js'
import type { LabFile, ProviderName } from './schema.js'
import type { Problem } from './problems.js'
import { capabilitiesOf } from '../providers/capabilities.js'
import { AUTO_ORDER } from '../providers/locate.js'
import { hostPlatform, type HostPlatform } from '../util/host-platform.js'

type ArchLab = Pick<LabFile, 'arch' | 'provider'>

function considered(provider: LabFile['provider']): ProviderName[] {
  return provider === 'auto' ? AUTO_ORDER : [provider]
}

/**
 * The lab's `arch`; left out, x86_64 unless a provider the lab may run on runs no x86-64 guest on this host
 * (VirtualBox and VMware Fusion on Apple Silicon): then the host's own.
 */
export function guestArch(lab: ArchLab, host: HostPlatform = hostPlatform()): Arch {
  if (lab.arch !== undefined) return lab.arch
  const own = hostArch(host)
  const x86Everywhere = considered(lab.provider).every((p) => capabilitiesOf(p).guestArches(host).x86_64.runs)
  return x86Everywhere || own === undefined ? 'x86_64' : own
}

/** The problems of the lab's architecture, located at `arch` when the lab file names one, else at what chose it. */
export function archProblems(lab: Pick<LabFile, 'arch' | 'provider' | 'os'>, problems: Problem[], host: HostPlatform = hostPlatform()): void {
  const arch = guestArch(lab, host)
  const at = (fallback: string) => (lab.arch !== undefined ? ['arch'] : [fallback])
  if (!archesOf(lab.os).includes(arch)) {
    // Left out, aarch64 was chosen because these run no x86_64 guest here: say so, and how to get x86_64 anyway.
    const x86less = considered(lab.provider).filter((p) => !capabilitiesOf(p).guestArches(host).x86_64.runs)
    const why = lab.arch === undefined ? ` (arch is left out, and ${x86less.map((p) => capabilitiesOf(p).title).join(' and ')} run${x86less.length === 1 ? 's' : ''} no x86_64 guest on this host)` : ''
    const other = archesOf(lab.os).filter((a) => a !== arch)
    problems.push({
      path: at('os'),
      message: `${OS_CATALOG[lab.os].title} has no ${arch} media in vmlab's catalog${why}`,
      hint: `use one of ${osesFor(arch).join(', ')} for ${arch}${other.length ? `, or arch: ${other.join(' / ')}${lab.arch === undefined ? ' with provider: qemu, which emulates it' : ''}` : ''}`,
    })
    return
  }
  if (lab.provider === 'auto') return
  const support = capabilitiesOf(lab.provider).guestArches(host)[arch]
  if (!support.runs) problems.push({ path: at('provider'), message: `${arch} guests: ${support.why}`, hint: support.fix })
}
