/**
 * The two structures that describe directories: directory records (ECMA-119 9.1), which
 * make up directory extents, and path tables (ECMA-119 9.4), the flat list of all
 * directories that some readers use to find a directory without walking the tree.
 */
import { writeBoth16, writeBoth32 } from './iso9660-encoding.js'
import type { DirPlan } from './iso9660-hierarchy.js'

/** ECMA-119 9.1.6: file flag bit 1 marks a directory. */
const FLAG_DIRECTORY = 0x02

/** Fixed part of a directory record, up to the file identifier. */
const RECORD_HEADER = 33

/** ECMA-119 9.1.12: a padding byte follows an identifier of even length. */
function identifierPadding(identifierLength: number): number {
  return identifierLength % 2 === 0 ? 1 : 0
}

export interface DirectoryRecord {
  identifier: Buffer
  sector: number
  dataLength: number
  isDirectory: boolean
  /** 7-byte recording date, see recordDate(). */
  date: Buffer
  /** System use area (SUSP entries), may be empty. */
  systemUse: Buffer
}

/**
 * Header, identifier and padding always add up to an even number; an odd-sized system use
 * area gets a zero byte after it, since a record's length must be even (ECMA-119 9.1.1).
 */
export function directoryRecordLength(identifierLength: number, systemUseLength: number): number {
  const length = RECORD_HEADER + identifierLength + identifierPadding(identifierLength) + systemUseLength
  return length + (length % 2)
}

/** Writes one record at `offset`; returns its length. */
export function writeDirectoryRecord(buf: Buffer, offset: number, record: DirectoryRecord): number {
  const { identifier, systemUse } = record
  const length = directoryRecordLength(identifier.length, systemUse.length)
  buf[offset] = length
  buf[offset + 1] = 0 // no extended attribute record
  writeBoth32(buf, offset + 2, record.sector)
  writeBoth32(buf, offset + 10, record.dataLength)
  record.date.copy(buf, offset + 18)
  buf[offset + 25] = record.isDirectory ? FLAG_DIRECTORY : 0
  // Bytes 26-27: no interleaving. Volume sequence number 1: a one-disc set.
  writeBoth16(buf, offset + 28, 1)
  buf[offset + 32] = identifier.length
  identifier.copy(buf, offset + RECORD_HEADER)
  systemUse.copy(buf, offset + RECORD_HEADER + identifier.length + identifierPadding(identifier.length))
  return length
}

function pathTableEntryLength(identifierLength: number): number {
  // ECMA-119 9.4.9: a padding byte follows an identifier of odd length.
  return 8 + identifierLength + (identifierLength % 2)
}

export function pathTableSize(dirs: readonly DirPlan[]): number {
  return dirs.reduce((sum, dir) => sum + pathTableEntryLength(dir.identifier.length), 0)
}

/**
 * One path table. The volume descriptor points to two copies: type L with little-endian
 * numbers and type M with big-endian ones (ECMA-119 9.4.3).
 */
/** The root is entry 1 and names itself as its parent (ECMA-119 9.4.4). */
export function pathTable(dirs: readonly DirPlan[], sectorOf: (dir: DirPlan) => number, byteOrder: 'LE' | 'BE'): Buffer {
  const table = Buffer.alloc(pathTableSize(dirs))
  let offset = 0
  for (const dir of dirs) {
    table[offset] = dir.identifier.length
    table[offset + 1] = 0 // no extended attribute record
    if (byteOrder === 'LE') {
      table.writeUInt32LE(sectorOf(dir), offset + 2)
      table.writeUInt16LE((dir.parent ?? dir).number, offset + 6)
    } else {
      table.writeUInt32BE(sectorOf(dir), offset + 2)
      table.writeUInt16BE((dir.parent ?? dir).number, offset + 6)
    }
    dir.identifier.copy(table, offset + 8)
    offset += pathTableEntryLength(dir.identifier.length)
  }
  return table
}
