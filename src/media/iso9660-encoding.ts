/**
 * The byte-level primitives of ECMA-119 (ISO 9660): sector size, both-byte-order numbers,
 * the two date formats and space-padded text fields.
 */

/** ECMA-119 6.1.2: logical sector size. 2048 is the only block size every reader handles. */
export const SECTOR_SIZE = 2048

export function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR_SIZE)
}

/**
 * ECMA-119 7.2.3: 16-bit numbers are stored twice, little-endian then big-endian, so that a
 * reader on either kind of CPU can use its own half.
 */
export function writeBoth16(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt16LE(value, offset)
  buf.writeUInt16BE(value, offset + 2)
}

/** ECMA-119 7.3.3: the same for 32-bit numbers (8 bytes). */
export function writeBoth32(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value, offset)
  buf.writeUInt32BE(value, offset + 4)
}

/** A both-byte-order 32-bit number on its own, for the fields of SUSP/RRIP entries. */
export function both32(value: number): Buffer {
  const buf = Buffer.alloc(8)
  writeBoth32(buf, 0, value)
  return buf
}

/**
 * ECMA-119 9.1.5: the 7-byte date of a directory record (years since 1900, month, day, hour,
 * minute, second, offset from GMT in 15-minute steps). Always written in UTC with offset 0,
 * so that the image does not depend on the time zone of the machine that builds it.
 */
export function recordDate(date: Date): Buffer {
  return Buffer.from([date.getUTCFullYear() - 1900, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0])
}

/**
 * ECMA-119 8.4.26.1: the 17-byte date of a volume descriptor: 16 ASCII digits
 * YYYYMMDDHHMMSS + hundredths, then the GMT offset byte. "Not specified" is sixteen '0'
 * digits and a zero offset (used for the expiration and effective dates).
 */
export function volumeDate(date: Date | undefined): Buffer {
  if (date === undefined) return Buffer.concat([Buffer.from('0'.repeat(16), 'latin1'), Buffer.from([0])])
  const two = (n: number): string => String(n).padStart(2, '0')
  const digits =
    String(date.getUTCFullYear()).padStart(4, '0') + two(date.getUTCMonth() + 1) + two(date.getUTCDate()) + two(date.getUTCHours()) + two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + '00'
  return Buffer.concat([Buffer.from(digits, 'latin1'), Buffer.from([0])])
}

/** Joliet stores every name and text field as UCS-2 big-endian. */
export function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16()
}

/**
 * Writes a fixed-size text field of a volume descriptor. ECMA-119 fills unused room with
 * spaces; in a Joliet descriptor the text and the filler spaces are UCS-2 (0x00 0x20).
 */
export function writeTextField(buf: Buffer, offset: number, length: number, text: string, encoding: 'ascii' | 'ucs2'): void {
  const space = encoding === 'ascii' ? Buffer.from(' ', 'latin1') : utf16be(' ')
  buf.fill(space, offset, offset + length)
  const bytes = encoding === 'ascii' ? Buffer.from(text, 'latin1') : utf16be(text)
  bytes.copy(buf, offset, 0, Math.min(bytes.length, length))
}
