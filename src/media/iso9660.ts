/**
 * A small ISO 9660 image writer for the discs the tool hands to VMs: the kickstart OEMDRV
 * disc and each node's cloud-init NoCloud seed disc (label 'cidata').
 *
 * Every image carries three views of the same files: plain ISO 9660 level-2 names (the
 * fallback), Rock Ridge (original names and modes, what Linux and macOS show) and Joliet
 * (original names for Windows). Written in memory: these discs hold a few kilobytes.
 */
import { InputError } from '../util/errors.js'
import { writeFileAtomic } from '../util/files.js'
import { assembleImage } from './iso9660-image.js'
import { buildTree } from './iso9660-tree.js'
import type { IsoFile } from './iso9660-tree.js'

export type { IsoFile }

export interface IsoOptions {
  /** Volume label, as blkid and `LABEL=` see it: 'OEMDRV', 'cidata'. */
  volumeId: string
  files: readonly IsoFile[]
  /** Time stamp of the volume and every entry; now when left out. Fix it for reproducible bytes. */
  date?: Date
}

/**
 * The volume identifier field has 32 bytes (ECMA-119 8.4.6). Strictly it holds upper-case
 * d-characters, but labels are matched case-sensitively by blkid, udev and cloud-init, and
 * genisoimage writes 'cidata' as given, so case is kept. Spaces are refused: trailing ones
 * would vanish in the space padding and any would need escaping in `LABEL=` boot options.
 */
const VOLUME_ID = /^[A-Za-z0-9_.-]{1,32}$/

function checkVolumeId(volumeId: string): void {
  if (!VOLUME_ID.test(volumeId)) {
    throw new InputError(`ISO volume id ${JSON.stringify(volumeId)} is not valid`, "use 1 to 32 letters, digits, '_', '-' or '.', such as OEMDRV or cidata")
  }
}

/** Directory records count years from 1900 in one byte (ECMA-119 9.1.5). */
function checkDate(date: Date): void {
  const year = date.getUTCFullYear()
  if (Number.isNaN(year) || year < 1900 || year > 2155) {
    throw new RangeError(`ISO image date ${String(date)} is outside 1900-2155`)
  }
}

/** Builds the whole image in memory. Same input and `date` give the same bytes. */
export function buildIso(opts: IsoOptions): Buffer {
  checkVolumeId(opts.volumeId)
  const date = opts.date ?? new Date()
  checkDate(date)
  return assembleImage(opts.volumeId, buildTree(opts.files), date)
}

/**
 * Writes the image to `path` through a temporary file in the same directory and a rename,
 * so that a VM never sees a half-written disc and a failed write leaves the old one intact. Only the
 * owner may read it: the discs we write carry password hashes (kickstart, base seed) and host private keys.
 */
export async function writeIsoFile(path: string, opts: IsoOptions): Promise<void> {
  await writeFileAtomic(path, buildIso(opts), 0o600)
}
