/**
 * What we know about each guest OS a lab can use. The ISO entries (names, URLs, SHA-256) are
 * what `lab iso fetch` downloads and what `lab up --iso` checks a local file against.
 */
export type OsFamily = 'el7' | 'el8' | 'el9' | 'debian'

export interface IsoImage {
  /** Kind of medium: minimal/dvd/boot install from the disc, or a netinstall that needs `url`. */
  kind: 'minimal' | 'dvd' | 'boot'
  file: string
  /** Where to download it from (first is preferred); `lab iso fetch --mirror` replaces the host part. */
  urls: string[]
  sha256: string
  sizeBytes?: number
}

export interface OsInfo {
  id: OsId
  title: string
  family: OsFamily
  /** RHEL release the kickstart is written for (and validated against); undefined for Debian. */
  rhel?: 7 | 8 | 9
  packageManager: 'yum' | 'dnf' | 'apt'
  /** VirtualBox `--ostype` id that exists in every VirtualBox 6.x/7.x release. */
  virtualboxOsType: string
  /** VMware `.vmx` guestOS. */
  vmwareGuestOs: string
  /** Below this the installer does not finish (MiB). */
  minMemoryMiB: number
  /** Smallest disk the minimal install fits on (GiB). */
  minDiskGiB: number
  /** Install media, best first. Debian labs use an image built by `lab image build` instead. */
  isos: IsoImage[]
  /** Package repository base for `url`-based (network) installs. */
  installUrl?: string
}

export const OS_IDS = ['centos7', 'rocky8', 'rocky9', 'alma8', 'alma9', 'centos-stream9', 'debian12'] as const
export type OsId = (typeof OS_IDS)[number]

export const OS_CATALOG: Record<OsId, OsInfo> = {
  centos7: {
    id: 'centos7',
    title: 'CentOS 7.9 (2009)',
    family: 'el7',
    rhel: 7,
    packageManager: 'yum',
    virtualboxOsType: 'RedHat_64',
    vmwareGuestOs: 'centos7-64',
    minMemoryMiB: 1024,
    minDiskGiB: 10,
    isos: [],
    installUrl: 'http://vault.centos.org/7.9.2009/os/x86_64/',
  },
  rocky8: {
    id: 'rocky8',
    title: 'Rocky Linux 8',
    family: 'el8',
    rhel: 8,
    packageManager: 'dnf',
    virtualboxOsType: 'RedHat_64',
    vmwareGuestOs: 'rhel8-64',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    isos: [],
  },
  rocky9: {
    id: 'rocky9',
    title: 'Rocky Linux 9',
    family: 'el9',
    rhel: 9,
    packageManager: 'dnf',
    virtualboxOsType: 'RedHat_64',
    vmwareGuestOs: 'rhel9-64',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    isos: [],
  },
  alma8: {
    id: 'alma8',
    title: 'AlmaLinux 8',
    family: 'el8',
    rhel: 8,
    packageManager: 'dnf',
    virtualboxOsType: 'RedHat_64',
    vmwareGuestOs: 'rhel8-64',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    isos: [],
  },
  alma9: {
    id: 'alma9',
    title: 'AlmaLinux 9',
    family: 'el9',
    rhel: 9,
    packageManager: 'dnf',
    virtualboxOsType: 'RedHat_64',
    vmwareGuestOs: 'rhel9-64',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    isos: [],
  },
  'centos-stream9': {
    id: 'centos-stream9',
    title: 'CentOS Stream 9',
    family: 'el9',
    rhel: 9,
    packageManager: 'dnf',
    virtualboxOsType: 'RedHat_64',
    vmwareGuestOs: 'rhel9-64',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    isos: [],
  },
  debian12: {
    id: 'debian12',
    title: 'Debian 12 (bookworm)',
    family: 'debian',
    packageManager: 'apt',
    virtualboxOsType: 'Debian_64',
    vmwareGuestOs: 'debian12-64',
    minMemoryMiB: 256,
    minDiskGiB: 2,
    isos: [],
  },
}

export function osInfo(id: OsId): OsInfo {
  return OS_CATALOG[id]
}

/** EL OSes: the ones installed by kickstart. */
export function isKickstartOs(id: OsId): boolean {
  return OS_CATALOG[id].family !== 'debian'
}
