/**
 * What we know about each guest OS a lab can use. The ISO entries (names, URLs, SHA-256) are
 * what `lab iso fetch` downloads and what `lab up --iso` checks a local file against.
 */
/** The guest CPU architectures, in the distributions' spelling (the ISO names, `uname -m`); lab/arch.ts has the rest. */
export const ARCHES = ['x86_64', 'aarch64'] as const
export type Arch = (typeof ARCHES)[number]

export type OsFamily = 'el7' | 'el8' | 'el9' | 'el10' | 'debian'

/** The kinds of ISO, in the order `lab iso fetch --kind` lists them (here, so that its help loads no more). */
export const ISO_KINDS = ['minimal', 'boot', 'dvd'] as const

export interface IsoImage {
  /** Kind of medium: minimal/dvd/boot install from the disc, or a netinstall that needs `url`. */
  kind: (typeof ISO_KINDS)[number]
  file: string
  /** Where to download it from (first is preferred); `lab iso fetch --mirror` replaces the part before `mirrorPath`. */
  urls: string[]
  /** Pinned SHA-256; empty when no trustworthy value is known (see `checksumUrl`). */
  sha256: string
  sizeBytes?: number
  /**
   * The distribution's own path of the file below a mirror's root (every URL ends with it), so
   * that `--mirror https://mirror.example.edu/rocky/` becomes `…/rocky/<mirrorPath>`.
   */
  mirrorPath?: string
  /**
   * For rolling releases only: the checksum list the project publishes next to the file, read
   * over HTTPS at download time because a pinned value would go stale with the next compose.
   */
  checksumUrl?: string
}

export interface OsInfo {
  id: OsId
  title: string
  family: OsFamily
  /** The guest architecture these media are for: OS_CATALOG holds the x86_64 ones, osFor() the others. */
  arch: Arch
  /** RHEL release the kickstart is written for (and validated against); undefined for Debian. */
  rhel?: 7 | 8 | 9 | 10
  /**
   * The x86-64 micro-architecture level its kernel and libraries are built for: below it the installer
   * stops at boot ("CPU does not support x86-64-v2"). EL9 needs v2 (SSE4.2, POPCNT), EL10 v3 (AVX2, BMI2, FMA).
   */
  cpuLevel?: CpuLevel
  packageManager: 'yum' | 'dnf' | 'apt'
  /** Below this the installer does not finish (MiB). */
  minMemoryMiB: number
  /** Smallest disk the minimal install fits on (GiB). */
  minDiskGiB: number
  /** Install media, best first. Debian labs use an image built by `lab image build` instead. */
  isos: IsoImage[]
  /** Package repository base for `url`-based (network) installs. */
  installUrl?: string
}

export type CpuLevel = 'x86-64-v2' | 'x86-64-v3'

export const OS_IDS = ['centos7', 'rocky8', 'rocky9', 'rocky10', 'alma8', 'alma9', 'alma10', 'centos-stream9', 'centos-stream10', 'debian12'] as const
export type OsId = (typeof OS_IDS)[number]

export const OS_CATALOG: Record<OsId, OsInfo> = withArch({
  centos7: {
    id: 'centos7',
    title: 'CentOS 7.9 (2009)',
    family: 'el7',
    rhel: 7,
    packageManager: 'yum',
    minMemoryMiB: 1024,
    minDiskGiB: 10,
    // 7.9.2009 is the last CentOS 7; the vault (and kernel.org's copy of it) keeps it forever.
    isos: [
      vaultCentos7('minimal', 'CentOS-7-x86_64-Minimal-2009.iso', '07b94e6b1a0b0260b94c83d6bb76b26bf7a310dc78d7a9c7432809fb9bc6194a'),
      vaultCentos7('boot', 'CentOS-7-x86_64-NetInstall-2009.iso', 'b79079ad71cc3c5ceb3561fff348a1b67ee37f71f4cddfec09480d4589c191d6'),
      vaultCentos7('dvd', 'CentOS-7-x86_64-DVD-2009.iso', 'e33d7b1ea7a9e2f38c8f693215dd85254c3a4fe446f93f563279715b68d07987'),
    ],
    installUrl: 'http://vault.centos.org/7.9.2009/os/x86_64/',
  },
  rocky8: {
    id: 'rocky8',
    title: 'Rocky Linux 8',
    family: 'el8',
    rhel: 8,
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // 8.10 is the last Rocky 8 point release: it stays under pub/ until end of life, then moves to the vault.
    isos: [
      rocky('8.10', 'minimal', '2c735d3b0de921bd671a0e2d08461e3593ac84f64cdaef32e3ed56ba01f74f4b', 'current'),
      rocky('8.10', 'boot', '203744a255ea6579e49ca7f7f0f17e2fda94e50945d8183a254490e454c7c5b4', 'current'),
    ],
    // A boot ISO's installer must come from the same point release as the packages.
    installUrl: 'https://download.rockylinux.org/pub/rocky/8.10/BaseOS/x86_64/os/',
  },
  rocky9: {
    id: 'rocky9',
    title: 'Rocky Linux 9',
    family: 'el9',
    rhel: 9,
    cpuLevel: 'x86-64-v2',
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // 9.6 is superseded, so it lives in the vault, where files never change.
    isos: [
      { ...rocky('9.6', 'minimal', 'aed9449cf79eb2d1c365f4f2561f923a80451b3e8fdbf595889b4cf0ac6c58b8', 'vault'), sizeBytes: 2252013568 },
      rocky('9.6', 'boot', '0fad8d8b19a94a0222ea37152cdf5601229fe0178b651dc476e1cba41d2e6067', 'vault'),
    ],
    installUrl: 'https://dl.rockylinux.org/vault/rocky/9.6/BaseOS/x86_64/os/',
  },
  rocky10: {
    id: 'rocky10',
    title: 'Rocky Linux 10',
    family: 'el10',
    rhel: 10,
    cpuLevel: 'x86-64-v3',
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // 10.1 is superseded, so it lives in the vault, where files never change; its CHECKSUM there is the
    // project's own list, read at download time (no value of it is pinned here yet).
    isos: [rocky('10.1', 'minimal', '', 'vault'), rocky('10.1', 'boot', '', 'vault')],
    installUrl: 'https://dl.rockylinux.org/vault/rocky/10.1/BaseOS/x86_64/os/',
  },
  alma8: {
    id: 'alma8',
    title: 'AlmaLinux 8',
    family: 'el8',
    rhel: 8,
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // 8.10 is the last AlmaLinux 8 point release (repo.almalinux.org until end of life, then the vault).
    isos: [
      alma('8.10', 'minimal', 'e524329700abe47ce1f509bed7e2d3c68b336a54c712daa1b492b2429a64d419', 'current'),
      alma('8.10', 'boot', 'cc3e61faf2dd6c9c80d3beeb47eaaba235ac13fe1b617209c3c1e546528ccb99', 'current'),
    ],
    installUrl: 'https://repo.almalinux.org/almalinux/8.10/BaseOS/x86_64/os/',
  },
  alma9: {
    id: 'alma9',
    title: 'AlmaLinux 9',
    family: 'el9',
    rhel: 9,
    cpuLevel: 'x86-64-v2',
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // 9.6 is superseded, so it lives in the vault, where files never change.
    isos: [
      alma('9.6', 'minimal', '27a346c74d8755516a4ad2057ea29c2450454f1a928628734f26e12b0b8120d7', 'vault'),
      alma('9.6', 'boot', '113521ec7f28aa4ab71ba4e5896719da69a0cc46cf341c4ebbd215877214f661', 'vault'),
    ],
    installUrl: 'https://vault.almalinux.org/9.6/BaseOS/x86_64/os/',
  },
  alma10: {
    id: 'alma10',
    title: 'AlmaLinux 10',
    family: 'el10',
    rhel: 10,
    cpuLevel: 'x86-64-v3',
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // As Rocky 10: a superseded point release from the vault, checked against the vault's CHECKSUM.
    isos: [alma('10.1', 'minimal', '', 'vault'), alma('10.1', 'boot', '', 'vault')],
    installUrl: 'https://vault.almalinux.org/10.1/BaseOS/x86_64/os/',
  },
  'centos-stream9': {
    id: 'centos-stream9',
    title: 'CentOS Stream 9',
    family: 'el9',
    rhel: 9,
    cpuLevel: 'x86-64-v2',
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // Stream is rolling: dated composes are deleted from the mirrors after a few weeks, so no
    // pinned file or checksum would stay valid. We take the "latest" image and check it against
    // the SHA256SUM the project publishes next to it (fetched over HTTPS when downloading); the
    // checksum seen then is recorded with the cached file. Stream 9 has no minimal ISO.
    isos: [streamLatest('boot', 9), streamLatest('dvd', 9)],
    installUrl: 'https://mirror.stream.centos.org/9-stream/BaseOS/x86_64/os/',
  },
  'centos-stream10': {
    id: 'centos-stream10',
    title: 'CentOS Stream 10',
    family: 'el10',
    rhel: 10,
    cpuLevel: 'x86-64-v3',
    packageManager: 'dnf',
    minMemoryMiB: 1536,
    minDiskGiB: 10,
    // Rolling, as Stream 9: the latest compose, checked against the SHA256SUM published next to it.
    isos: [streamLatest('boot', 10), streamLatest('dvd', 10)],
    installUrl: 'https://mirror.stream.centos.org/10-stream/BaseOS/x86_64/os/',
  },
  debian12: {
    id: 'debian12',
    title: 'Debian 12 (bookworm)',
    family: 'debian',
    packageManager: 'apt',
    minMemoryMiB: 256,
    minDiskGiB: 2,
    isos: [],
  },
})

function withArch(table: Record<OsId, Omit<OsInfo, 'arch'>>): Record<OsId, OsInfo> {
  return Object.fromEntries(Object.entries(table).map(([id, info]) => [id, { ...info, arch: 'x86_64' }])) as Record<OsId, OsInfo>
}

/**
 * The aarch64 builds: the same releases as the x86_64 entries, from the same trees (`…/isos/aarch64/`), each
 * checked against the CHECKSUM the project publishes for that release (no value of them is pinned yet).
 * No x86-64 micro-architecture level applies. CentOS 7, the EL8 and Stream 9 ones are left out: nobody asked.
 */
const AARCH64: Partial<Record<OsId, Pick<OsInfo, 'isos' | 'installUrl'>>> = {
  rocky9: {
    isos: [rocky('9.6', 'minimal', '', 'vault', 'aarch64'), rocky('9.6', 'boot', '', 'vault', 'aarch64')],
    installUrl: 'https://dl.rockylinux.org/vault/rocky/9.6/BaseOS/aarch64/os/',
  },
  rocky10: {
    isos: [rocky('10.1', 'minimal', '', 'vault', 'aarch64'), rocky('10.1', 'boot', '', 'vault', 'aarch64')],
    installUrl: 'https://dl.rockylinux.org/vault/rocky/10.1/BaseOS/aarch64/os/',
  },
  alma9: {
    isos: [alma('9.6', 'minimal', '', 'vault', 'aarch64'), alma('9.6', 'boot', '', 'vault', 'aarch64')],
    installUrl: 'https://vault.almalinux.org/9.6/BaseOS/aarch64/os/',
  },
  alma10: {
    isos: [alma('10.1', 'minimal', '', 'vault', 'aarch64'), alma('10.1', 'boot', '', 'vault', 'aarch64')],
    installUrl: 'https://vault.almalinux.org/10.1/BaseOS/aarch64/os/',
  },
  'centos-stream10': {
    isos: [streamLatest('boot', 10, 'aarch64'), streamLatest('dvd', 10, 'aarch64')],
    installUrl: 'https://mirror.stream.centos.org/10-stream/BaseOS/aarch64/os/',
  },
}

/** The OS for one guest architecture; undefined where the catalog has no media of it. */
export function osFor(id: OsId, arch: Arch): OsInfo | undefined {
  const info = OS_CATALOG[id]
  if (arch === 'x86_64') return info
  const media = AARCH64[id]
  if (!media) return undefined
  const { cpuLevel: _x86Only, ...rest } = info
  return { ...rest, ...media, arch }
}

/** The architectures the catalog has media of for an OS, x86_64 first. */
export function archesOf(id: OsId): Arch[] {
  return AARCH64[id] ? ['x86_64', 'aarch64'] : ['x86_64']
}

/** The OSes that have media of an architecture, in catalog order. */
export function osesFor(arch: Arch): OsId[] {
  return OS_IDS.filter((id) => osFor(id, arch) !== undefined)
}

export function osInfo(id: OsId): OsInfo {
  return OS_CATALOG[id]
}

/** EL OSes: the ones installed by kickstart. */
export function isKickstartOs(id: OsId): boolean {
  return OS_CATALOG[id].family !== 'debian'
}

// ISO entries. Each sha256 is the value the project published for that exact file (its CHECKSUM /
// sha256sum.txt), pinned here so that a file that differs from the release is refused.

function vaultCentos7(kind: IsoImage['kind'], file: string, sha256: string): IsoImage {
  const mirrorPath = `7.9.2009/isos/x86_64/${file}`
  return {
    kind,
    file,
    urls: [`https://vault.centos.org/${mirrorPath}`, `https://archive.kernel.org/centos-vault/${mirrorPath}`],
    sha256,
    mirrorPath,
  }
}

/**
 * Where a point release is served: `current` ones from the main tree (the vault is listed as the
 * fallback for the day it moves there), superseded ones only from the vault. The path below the
 * root is the same in both, which is what makes `mirrorPath` work.
 */
type Place = 'current' | 'vault'

/**
 * An empty `sha256` (a release whose value is not pinned yet) is checked against the project's CHECKSUM of that
 * release in the vault, where it never changes, read at download time.
 */
function rocky(release: string, kind: 'minimal' | 'boot', sha256: string, place: Place, arch: Arch = 'x86_64'): IsoImage {
  const file = `Rocky-${release}-${arch}-${kind}.iso`
  const dir = `${release}/isos/${arch}`
  const mirrorPath = `${dir}/${file}`
  const pub = `https://download.rockylinux.org/pub/rocky/${mirrorPath}`
  const vault = `https://dl.rockylinux.org/vault/rocky/${mirrorPath}`
  const published = sha256 ? {} : { checksumUrl: `https://dl.rockylinux.org/vault/rocky/${dir}/CHECKSUM` }
  return { kind, file, urls: place === 'vault' ? [vault] : [pub, vault], sha256, mirrorPath, ...published }
}

function alma(release: string, kind: 'minimal' | 'boot', sha256: string, place: Place, arch: Arch = 'x86_64'): IsoImage {
  const file = `AlmaLinux-${release}-${arch}-${kind}.iso`
  const dir = `${release}/isos/${arch}`
  const mirrorPath = `${dir}/${file}`
  const repo = `https://repo.almalinux.org/almalinux/${mirrorPath}`
  const vault = `https://vault.almalinux.org/${mirrorPath}`
  const published = sha256 ? {} : { checksumUrl: `https://vault.almalinux.org/${dir}/CHECKSUM` }
  return { kind, file, urls: place === 'vault' ? [vault] : [repo, vault], sha256, mirrorPath, ...published }
}

function streamLatest(kind: 'boot' | 'dvd', stream: 9 | 10, arch: Arch = 'x86_64'): IsoImage {
  const file = `CentOS-Stream-${stream}-latest-${arch}-${kind === 'dvd' ? 'dvd1' : 'boot'}.iso`
  const mirrorPath = `${stream}-stream/BaseOS/${arch}/iso/${file}`
  const url = `https://mirror.stream.centos.org/${mirrorPath}`
  return { kind, file, urls: [url], sha256: '', mirrorPath, checksumUrl: `${url}.SHA256SUM` }
}
