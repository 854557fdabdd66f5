import { ISO_KINDS, OS_CATALOG, OS_IDS, archesOf, osFor, osesFor, type IsoImage, type OsId, type OsInfo } from '../lab/os-catalog.js'
import type { Arch } from '../lab/arch.js'
import { didYouMean } from '../lab/suggest.js'
import { InputError } from '../util/errors.js'

/** The catalog entry of an OS given on the command line (for one architecture, x86_64 by default), which must have install ISOs. */
export function osWithIsos(id: string, arch: Arch = 'x86_64'): OsInfo {
  if (!(OS_IDS as readonly string[]).includes(id)) {
    throw new InputError(`unknown OS '${id}': ${didYouMean(id, OS_IDS)}`, "'lab iso list' shows the OSes and their ISOs")
  }
  const os = osFor(id as OsId, arch)
  if (os === undefined) {
    throw new InputError(`${id} has no ${arch} ISO in the catalog (it has: ${archesOf(id as OsId).join(', ')})`, `for ${arch}: ${osesFor(arch).join(', ')}`)
  }
  if (OS_CATALOG[id as OsId].isos.length === 0) {
    throw new InputError(`${id} has no install ISO: it is installed from an image, not by kickstart`, 'build it with: lab image build')
  }
  return os
}

/** The best ISO of `os`, or the one of the given kind. */
export function pickIso(os: OsInfo, kind?: string): IsoImage {
  if (kind === undefined) return os.isos[0]!
  if (!(ISO_KINDS as readonly string[]).includes(kind)) {
    throw new InputError(`unknown ISO kind '${kind}': ${didYouMean(kind, ISO_KINDS)}`)
  }
  const iso = os.isos.find((i) => i.kind === kind)
  if (!iso) {
    throw new InputError(`${os.id} has no ${kind} ISO; it has: ${os.isos.map((i) => i.kind).join(', ')}`)
  }
  return iso
}

/**
 * The ISO's URL on a mirror: the mirror URL takes the place of everything before the
 * distribution's own path (`mirrorPath`), e.g. `https://mirror.example.edu/rocky/` +
 * `9.6/isos/x86_64/Rocky-9.6-x86_64-minimal.iso`. Entries without a `mirrorPath` keep their
 * path and only change scheme, host and port.
 */
export function mirrorUrl(iso: IsoImage, mirror: string): string {
  let base: URL
  try {
    base = new URL(mirror.endsWith('/') ? mirror : `${mirror}/`)
  } catch {
    throw new InputError(`--mirror is not a URL: ${mirror}`, 'give it like https://mirror.example.edu/rocky/')
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new InputError(`--mirror must be an http or https URL, not ${base.protocol} (${mirror})`)
  }
  if (iso.mirrorPath !== undefined) return new URL(iso.mirrorPath, base).toString()
  const original = new URL(iso.urls[0]!)
  return new URL(original.pathname, base.origin).toString()
}
