/** VirtualBox's `--ostype` id for a guest OS: by family, ids that exist in every VirtualBox 6.x/7.x release. */
import type { OsFamily, OsInfo } from '../../lab/os-catalog.js'

const OS_TYPES: Record<OsFamily, string> = {
  el7: 'RedHat_64',
  el8: 'RedHat_64',
  el9: 'RedHat_64',
  el10: 'RedHat_64',
  debian: 'Debian_64',
}

export function virtualboxOsType(os: OsInfo): string {
  return OS_TYPES[os.family]
}
