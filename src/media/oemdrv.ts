/**
 * The kickstart disc: Anaconda (CentOS 7.2+, EL8, EL9) loads /ks.cfg by itself from any disc
 * labelled exactly OEMDRV when the boot line has no inst.ks=, so the base install needs no
 * typing and no web server.
 */
import { InputError } from '../util/errors.js'
import { buildIso, writeIsoFile } from './iso9660.js'
import type { IsoOptions } from './iso9660.js'

export const OEMDRV_LABEL = 'OEMDRV'
export const KICKSTART_FILE = 'ks.cfg'

/** The kickstart bytes Anaconda cannot read at all (its content is checked by kickstart/check.ts). */
function refuseUnreadableBytes(kickstart: string): void {
  // Anaconda reads a byte-order mark as part of the first command, which is then unknown.
  if (kickstart.startsWith('\uFEFF')) {
    throw new InputError('the kickstart starts with a byte-order mark (BOM), which Anaconda reads as an unknown command', 'save the kickstart as UTF-8 without BOM')
  }
  // A carriage return ends up in every command and %post line: options are not recognised
  // and bash fails on '\r'.
  const carriageReturn = kickstart.indexOf('\r')
  if (carriageReturn >= 0) {
    const line = kickstart.slice(0, carriageReturn).split('\n').length
    throw new InputError(
      `the kickstart has CRLF (Windows) line endings (first at line ${line}), ` + 'which break Anaconda and %post scripts',
      'convert it to LF line endings, for example with dos2unix',
    )
  }
}

function oemdrvOptions(kickstart: string, date: Date | undefined): IsoOptions {
  refuseUnreadableBytes(kickstart)
  return { volumeId: OEMDRV_LABEL, files: [{ path: KICKSTART_FILE, data: kickstart }], date }
}

/** The OEMDRV image with `kickstart` as /ks.cfg. Fix `date` for reproducible bytes. */
export function oemdrvIso(kickstart: string, opts: { date?: Date } = {}): Buffer {
  return buildIso(oemdrvOptions(kickstart, opts.date))
}

/** Writes the OEMDRV image to `path` (through a temporary file and a rename). */
export async function writeOemdrvIso(path: string, kickstart: string, opts: { date?: Date } = {}): Promise<void> {
  await writeIsoFile(path, oemdrvOptions(kickstart, opts.date))
}
