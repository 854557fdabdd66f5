/**
 * Rock Ridge (RRIP 1.10) on top of the System Use Sharing Protocol (SUSP 1.10): the entries
 * stored in the system use area at the end of each directory record of the primary tree,
 * which give Linux and macOS the original names and the POSIX modes.
 *
 * Every entry starts with a 2-letter signature, its total length and a version byte (1).
 */
import { both32 } from './iso9660-encoding.js'

function entry(signature: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(signature, 'latin1'), Buffer.from([4 + body.length, 1]), body])
}

/**
 * SUSP 5.3 "SP": first entry of the root's '.' record; tells readers that SUSP is in use
 * (check bytes BE EF) and that no bytes are skipped before the entries of each record.
 */
export function spEntry(): Buffer {
  return entry('SP', Buffer.from([0xbe, 0xef, 0]))
}

// RRIP 1.10 section 4: the extension identifier and the texts it prescribes for "ER".
const RRIP_ID = 'RRIP_1991A'
const RRIP_DESCRIPTOR = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS'
const RRIP_SOURCE = 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  ' + 'SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.'

/**
 * SUSP 5.5 "ER": names the extension in use, in the root's '.' record. Linux only prefers
 * Rock Ridge over Joliet when it has seen this entry while reading the root directory;
 * without it a disc with both shows the Joliet names and loses the modes.
 */
export function erEntry(): Buffer {
  const id = Buffer.from(RRIP_ID, 'latin1')
  const descriptor = Buffer.from(RRIP_DESCRIPTOR, 'latin1')
  const source = Buffer.from(RRIP_SOURCE, 'latin1')
  const header = Buffer.from([id.length, descriptor.length, source.length, 1])
  return entry('ER', Buffer.concat([header, id, descriptor, source]))
}

/** SUSP 5.1 "CE": the rest of this record's entries are in a continuation area elsewhere. */
export const CE_LENGTH = 28

export function ceEntry(sector: number, offset: number, length: number): Buffer {
  return entry('CE', Buffer.concat([both32(sector), both32(offset), both32(length)]))
}

const S_IFDIR = 0o040000
const S_IFREG = 0o100000

/**
 * RRIP 4.1.1 "PX": mode (file type bits included), link count, uid, gid. The 36-byte form
 * of RRIP 1.10, without the inode number that 1.12 added. Owner root, so that nothing on
 * the disc belongs to whatever user happens to have uid 1000 on the guest.
 */
export function pxEntry(kind: 'file' | 'dir', permissions: number, links: number): Buffer {
  const mode = (kind === 'dir' ? S_IFDIR : S_IFREG) | permissions
  return entry('PX', Buffer.concat([both32(mode), both32(links), both32(0), both32(0)]))
}

/**
 * RRIP 4.1.4 "NM": the original name as UTF-8 bytes (what Linux writes to its directory
 * entries). Names are at most 62 UTF-16 units, so at most 186 bytes: one entry always holds
 * them and the CONTINUE flag is never needed.
 */
export function nmEntry(name: string): Buffer {
  return entry('NM', Buffer.concat([Buffer.from([0]), Buffer.from(name, 'utf8')]))
}

/**
 * A directory record is at most 255 bytes (its length is one byte) and must have an even
 * length. Splits a record's entries into those that fit in the record and those that go to a
 * continuation area, keeping room for the CE entry that points there.
 */
export function splitSystemUse(entries: readonly Buffer[], room: number): { inRecord: Buffer[]; continued: Buffer[] } {
  const total = entries.reduce((sum, e) => sum + e.length, 0)
  if (total <= room) return { inRecord: [...entries], continued: [] }
  let used = 0
  let kept = 0
  for (const e of entries) {
    if (used + e.length + CE_LENGTH > room) break
    used += e.length
    kept++
  }
  return { inRecord: entries.slice(0, kept), continued: entries.slice(kept) }
}
