/** A POSIX ustar archive of regular files, written in memory: what `docker load` and skopeo read. */
export interface TarEntry {
  name: string
  data: Buffer
  mode?: number
  /** A folder entry (data empty). */
  dir?: boolean
}

function header(name: string, size: number, mode: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name longer than 100 bytes: ${name}`)
  const h = Buffer.alloc(512)
  const put = (text: string, at: number, len: number) => h.write(text, at, len, 'utf8')
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0')
  put(name, 0, 100)
  put(octal(mode, 8), 100, 8)
  put(octal(0, 8), 108, 8)
  put(octal(0, 8), 116, 8)
  put(octal(size, 12), 124, 12)
  put(octal(0, 12), 136, 12)
  put('        ', 148, 8)
  put(type, 156, 1)
  put('ustar\u000000', 257, 8)
  let sum = 0
  for (const b of h) sum += b
  put(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8)
  return h
}

export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    parts.push(header(e.name, e.data.length, e.mode ?? (e.dir ? 0o755 : 0o644), e.dir ? '5' : '0'), e.data)
    const pad = (512 - (e.data.length % 512)) % 512
    if (pad) parts.push(Buffer.alloc(pad))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}
