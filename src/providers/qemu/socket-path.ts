/**
 * UNIX socket paths are short (sun_path: 108 bytes on Linux, 104 on macOS and the BSDs, the NUL
 * included), and a lab's data folder under a deep home or checkout goes past that. Such sockets
 * live instead in a private folder of this user's under the runtime or temporary directory, named
 * by a digest of the path they stand for, so every command finds the same one again.
 */
import { createHash } from 'node:crypto'
import { lstat, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { LabError } from '../../util/errors.js'

export const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103

function shortRoot(env: NodeJS.ProcessEnv): string {
  const uid = process.getuid?.() ?? 0
  const runtime = env.XDG_RUNTIME_DIR
  if (runtime && Buffer.byteLength(runtime) <= 40) return join(runtime, 'vmlab')
  return join(tmpdir(), `vmlab-${uid}`)
}

/**
 * The socket path to use for `preferred`: itself when it (plus `spare` bytes of names a client
 * adds below it) fits, else a short stand-in in the private folder.
 */
export function socketPath(preferred: string, spare = 0, env: NodeJS.ProcessEnv = process.env): string {
  if (Buffer.byteLength(preferred) + spare <= SOCKET_PATH_MAX) return preferred
  const digest = createHash('sha256').update(preferred).digest('hex').slice(0, 16)
  return join(shortRoot(env), `${digest}-${basename(preferred)}`)
}

/**
 * Makes the folder a socket lives in. A stand-in's folder is shared by this user's labs and sits in
 * a world-writable place: it must be ours, a real folder and closed to others, or another user
 * could put a socket of theirs where QEMU's monitor is looked for.
 */
export async function ensureSocketFolder(socket: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = dirname(socket)
  // A socket in its VM's or switch's own folder is where that folder's owner put it.
  if (dir !== shortRoot(env)) return
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const st = await lstat(dir)
  const uid = process.getuid?.()
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw new LabError(`the socket folder ${dir} is not a private folder of this user's (a folder, owned by uid ${uid}, mode 0700)`, {
      hint: `remove it (rm -r ${dir}) or set XDG_RUNTIME_DIR to a private folder, and run the command again`,
    })
  }
}
