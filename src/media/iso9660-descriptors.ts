/**
 * Volume descriptors (ECMA-119 8): the sectors from 16 on that a reader looks at first. The
 * primary one leads to the ISO 9660 + Rock Ridge hierarchy; the Joliet supplementary one
 * (type 2, same layout) to the UCS-2 hierarchy; a terminator ends the set.
 */
import { SECTOR_SIZE, volumeDate, writeBoth16, writeBoth32, writeTextField } from './iso9660-encoding.js'

const STANDARD_ID = 'CD001'

export interface VolumeDescriptorFields {
  volumeId: string
  totalSectors: number
  pathTableSize: number
  littleEndianPathTable: number
  bigEndianPathTable: number
  /** 34-byte directory record of the root directory. */
  rootRecord: Buffer
  date: Date
}

/** The fields of a primary (8.4) or supplementary (8.5) descriptor, by byte offset. */
function descriptor(type: 1 | 2, fields: VolumeDescriptorFields, text: 'ascii' | 'ucs2'): Buffer {
  const d = Buffer.alloc(SECTOR_SIZE)
  d[0] = type
  d.write(STANDARD_ID, 1, 'latin1')
  d[6] = 1 // descriptor version
  writeTextField(d, 8, 32, '', text) // system identifier
  // blkid and the kernel report this field as the label, so it is written as given, even in
  // lower case ('cidata'), as genisoimage -V does.
  writeTextField(d, 40, 32, fields.volumeId, text)
  writeBoth32(d, 80, fields.totalSectors)
  writeBoth16(d, 120, 1) // volume set size: one disc
  writeBoth16(d, 124, 1) // this disc's number in the set
  writeBoth16(d, 128, SECTOR_SIZE) // logical block size
  writeBoth32(d, 132, fields.pathTableSize)
  d.writeUInt32LE(fields.littleEndianPathTable, 140)
  d.writeUInt32BE(fields.bigEndianPathTable, 148)
  fields.rootRecord.copy(d, 156)
  // Volume set, publisher, data preparer and application (128 bytes each), then copyright,
  // abstract and bibliographic file names (37 bytes each): all left unspecified.
  const unspecified = [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const
  for (const [offset, length] of unspecified) writeTextField(d, offset, length, '', text)
  volumeDate(fields.date).copy(d, 813) // creation
  volumeDate(fields.date).copy(d, 830) // modification
  volumeDate(undefined).copy(d, 847) // expiration: never
  volumeDate(undefined).copy(d, 864) // effective: at once
  d[881] = 1 // file structure version
  return d
}

export function primaryVolumeDescriptor(fields: VolumeDescriptorFields): Buffer {
  return descriptor(1, fields, 'ascii')
}

/**
 * Joliet: a supplementary descriptor whose escape sequence field says "UCS-2 level 3"
 * (%/E); every identifier in it, and in the hierarchy it leads to, is UCS-2 big-endian. Its
 * volume identifier holds 16 characters; blkid completes a longer label from the primary.
 */
export function jolietVolumeDescriptor(fields: VolumeDescriptorFields): Buffer {
  const d = descriptor(2, fields, 'ucs2')
  d.write('%/E', 88, 'latin1')
  return d
}

/** ECMA-119 8.3: type 255 ends the descriptor set. */
export function descriptorSetTerminator(): Buffer {
  const d = Buffer.alloc(SECTOR_SIZE)
  d[0] = 255
  d.write(STANDARD_ID, 1, 'latin1')
  d[6] = 1
  return d
}
