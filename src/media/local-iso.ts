import { open, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { OS_CATALOG, OS_IDS, osFor, type IsoImage, type OsId } from '../lab/os-catalog.js'
import type { Arch } from '../lab/arch.js'
import { InputError } from '../util/errors.js'
import { fileSha256, readCheckRecord } from './iso-cache.js'

export interface LocalIso {
  /** Absolute path of the file. */
  path: string
  kind: IsoImage['kind']
  /** The catalog entry the file was recognised as, by name or size. */
  iso?: IsoImage
  /** True when its content matched a checksum we trust. */
  verified: boolean
}

export interface LocalIsoOptions {
  /** Kind to assume when the catalog does not know the file (otherwise guessed from its name). */
  kind?: IsoImage['kind']
  /** Told what is accepted unchecked (the engine reports it as a warning); without it, not told. */
  warn?: (message: string) => void
  /** The lab's guest architecture: its catalog entries are the ones a file is checked against (x86_64 by default). */
  arch?: Arch
}

/**
 * Checks an ISO given with `lab up --iso PATH`: it must exist; when the catalog knows the file
 * (by name, or by size) its checksum must match; an unknown file is accepted with a warning.
 */
/**
 * Refuses a file that is not an ISO9660 image (its volume descriptor says CD001 at byte 32769): a renamed
 * download page or a truncated file would otherwise boot into a firmware prompt and wait out the install's time limit.
 */
export async function assertIso9660(path: string): Promise<void> {
  const abs = resolve(path)
  const file = await open(abs).catch(() => undefined)
  if (!file) throw new InputError(`ISO file not found: ${path}`, 'give the path of an install ISO, or leave out --iso to download it')
  try {
    const magic = Buffer.alloc(5)
    const { bytesRead } = await file.read(magic, 0, 5, 0x8001)
    if (bytesRead < 5 || magic.toString('latin1') !== 'CD001') {
      throw new InputError(`${path} is not an ISO9660 image (no CD001 volume descriptor at byte 32769)`, 'give an install ISO (.iso) as downloaded, or leave out --iso to download it')
    }
  } finally {
    await file.close()
  }
}

export async function resolveLocalIso(os: OsId, path: string, opts: LocalIsoOptions = {}): Promise<LocalIso> {
  const warn = opts.warn ?? (() => undefined)
  const abs = resolve(path)
  const st = await stat(abs).catch(() => undefined)
  if (!st) throw new InputError(`ISO file not found: ${path}`, `download it with: lab iso fetch ${os}`)
  if (!st.isFile()) throw new InputError(`not a file: ${path}`, 'give the path of an .iso file')

  const name = basename(abs)
  const info = osFor(os, opts.arch ?? 'x86_64') ?? OS_CATALOG[os]
  const iso = info.isos.find((i) => i.file === name) ?? info.isos.find((i) => i.sizeBytes === st.size)
  if (!iso) {
    const owner = OS_IDS.find((id) => id !== os && OS_CATALOG[id].isos.some((i) => i.file === name))
    if (owner) {
      throw new InputError(`${path} is an install ISO of ${OS_CATALOG[owner].title}, but the lab's OS is ${info.title}`, `use the ${os} ISO (lab iso fetch ${os}) or set os: ${owner}`)
    }
    warn(`${name} is not an ISO the catalog knows for ${os}: using it without checking its checksum`)
    return { path: abs, kind: opts.kind ?? guessKind(name), verified: false }
  }

  if (iso.sha256) {
    const got = await fileSha256(abs)
    if (got !== iso.sha256) {
      throw new InputError(
        `${path} is not a good copy of ${iso.file}: expected sha256 ${iso.sha256}, got ${got}`,
        `the file is damaged or incomplete: download it again with lab iso fetch ${os}${iso === info.isos[0] ? '' : ` --kind ${iso.kind}`}`,
      )
    }
    return { path: abs, kind: iso.kind, iso, verified: true }
  }
  // A rolling release has no pinned checksum; a copy `lab iso fetch` checked against the
  // published one carries that in its record.
  const record = await readCheckRecord(abs)
  if (record?.source === 'published') return { path: abs, kind: iso.kind, iso, verified: true }
  warn(`${name} has no pinned checksum (${info.title} is a rolling release): using it unverified`)
  return { path: abs, kind: iso.kind, iso, verified: false }
}

/** Release names say what a disc holds: NetInstall/boot discs need a package repository. */
function guessKind(name: string): IsoImage['kind'] {
  if (/boot|netinst/i.test(name)) return 'boot'
  if (/dvd|everything/i.test(name)) return 'dvd'
  return 'minimal'
}
