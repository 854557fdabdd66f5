/**
 * A file that only this process can reach, for a child's standard input, output or error: created 0600 under a
 * random name in the temp folder (exclusively, so a planted file or link is never used) and unlinked at once,
 * so that nothing is left behind even when lab is killed, while the child keeps writing to it through the
 * descriptor it inherited. Read back by position, from the start, whatever the child's writes did to the offset.
 */
import { closeSync, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ScratchFile {
  readonly fd: number
  /** Writes the whole of `data` at the start of the file, leaving the offset a reader starts from at 0. */
  write(data: string | Uint8Array): void
  /** Everything in the file, as UTF-8. */
  read(): string
  /** Closes it (and, where an open file could not be unlinked, removes it). */
  close(): void
}

export function scratchFile(): ScratchFile {
  const path = join(tmpdir(), `vmlab-${process.pid}-${randomBytes(8).toString('hex')}`)
  const fd = openSync(path, 'wx+', 0o600)
  let named = true
  try {
    unlinkSync(path)
    named = false
  } catch {
    // Windows refuses to unlink an open file: it goes on close.
  }
  let closed = false
  return {
    fd,
    write(data) {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, done)
    },
    read() {
      const size = fstatSync(fd).size
      const buf = Buffer.alloc(size)
      for (let done = 0; done < size; ) {
        const n = readSync(fd, buf, done, size - done, done)
        if (n === 0) break
        done += n
      }
      return buf.toString('utf8')
    },
    close() {
      if (closed) return
      closed = true
      closeSync(fd)
      if (named) {
        try {
          unlinkSync(path)
        } catch {
          // gone already
        }
      }
    },
  }
}
