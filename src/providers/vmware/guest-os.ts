/** VMware's `.vmx` guestOS for a guest OS: the RHEL release a rebuild follows, CentOS 7 and Debian by name. */
import type { OsId, OsInfo } from '../../lab/os-catalog.js'

const GUEST_OS: Record<OsId, string> = {
  centos7: 'centos7-64',
  rocky8: 'rhel8-64',
  alma8: 'rhel8-64',
  rocky9: 'rhel9-64',
  alma9: 'rhel9-64',
  'centos-stream9': 'rhel9-64',
  // Workstation 17 / Fusion 13 list no RHEL 10 type; the RHEL 9 one gives the same virtual hardware.
  rocky10: 'rhel9-64',
  alma10: 'rhel9-64',
  'centos-stream10': 'rhel9-64',
  debian12: 'debian12-64',
}

/**
 * Fusion on Apple Silicon has its own ids for arm64 guests, `arm-` and the x86 one's name (arm-rhel9-64,
 * arm-debian12-64); EL10 takes the RHEL 9 one there too.
 */
export function vmwareGuestOs(os: OsInfo): string {
  return os.arch === 'aarch64' ? `arm-${GUEST_OS[os.id]}` : GUEST_OS[os.id]
}
