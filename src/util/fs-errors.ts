/**
 * The one place that turns a file-system errno into words a user can act on: which path, what is wrong with
 * it (read-only, permission, no space, …) and what to do. Every reader and writer of the lab's state goes
 * through it, and the CLI's last resort too, so that a full disk is never reported as a bug in vmlab.
 */
import { statSync } from 'node:fs'
import { dirname } from 'node:path'
import { userInfo } from 'node:os'
import { LabError } from './errors.js'

interface Cause {
  words: string
  fix: (target: string) => string
  /** The fix is about the file itself (its mode, its owner), not about the disk or folder it is on. */
  ofFile?: boolean
}

/**
 * What a fix is about: the nearest part of the path that exists, and of those only a folder unless the fix is
 * about files (a folder the disk holds, the one a new file was to go in, a file where a folder should be).
 */
function fixTarget(path: string, ofFile: boolean): string {
  for (let p = path; ; p = dirname(p)) {
    const isDir = lookDir(p)
    if (isDir === true || (isDir === false && ofFile)) return p
    if (dirname(p) === p) return path
  }
}

function lookDir(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory()
  } catch {
    return undefined
  }
}

function permissionFix(target: string): string {
  let owner: number | undefined
  try {
    owner = statSync(target).uid
  } catch {
    // gone meanwhile: the generic fix below still applies
  }
  if (owner !== undefined && process.getuid !== undefined && owner !== process.getuid()) {
    return `${target} belongs to another user (uid ${owner}): run lab as that user, or take it over with \`sudo chown -R ${userInfo().username} ${target}\``
  }
  return `give yourself access with \`chmod u+rwX ${target}\` (\`ls -ld ${target}\` shows who may do what)`
}

const CAUSES: Record<string, Cause> = {
  EROFS: {
    words: 'the file system is read-only',
    fix: (target) => `remount the disk that holds ${target} read-write, or copy the lab's folder to a writable disk and run lab there`,
  },
  EACCES: { words: 'permission denied', fix: permissionFix, ofFile: true },
  EPERM: { words: 'operation not permitted', fix: permissionFix, ofFile: true },
  ENOSPC: {
    words: 'no space left on device',
    fix: (target) => `free space on the disk that holds ${target} (\`df -h ${target}\` shows how much is left), then run the command again`,
  },
  EDQUOT: {
    words: 'disk quota exceeded',
    fix: (target) => `free space within your quota on the disk that holds ${target} (\`quota -s\` shows it), then run the command again`,
  },
  ENOTDIR: {
    words: 'a part of the path is a file where a folder should be',
    fix: (target) => `move the file ${target} out of the way, then run the command again`,
    ofFile: true,
  },
  EISDIR: { words: 'it is a folder where a file should be', fix: (target) => `move the folder ${target} out of the way, then run the command again`, ofFile: true },
  EIO: { words: 'input/output error: the disk failed to read or write', fix: (target) => `check the disk that holds ${target} (\`dmesg\` shows what the kernel saw)` },
}

const DOING: Record<string, string> = { mkdir: 'cannot create the folder', rmdir: 'cannot remove', unlink: 'cannot remove', read: 'cannot read', scandir: 'cannot read', open: 'cannot open' }

/**
 * A LabError for a file-system failure we can explain, else the error unchanged. `doing` starts the message
 * ("cannot save the lab's state to"), `path` is the file the user knows (not the temporary name that failed).
 */
export function fsError(err: unknown, opts: { doing?: string; path?: string } = {}): unknown {
  const e = err as NodeJS.ErrnoException
  if (err instanceof LabError || typeof e?.code !== 'string') return err
  const cause = CAUSES[e.code]
  if (!cause) return err
  const failed = e.path ?? opts.path
  if (failed === undefined) return err
  const shown = opts.path ?? failed
  const doing = opts.doing ?? DOING[e.syscall ?? ''] ?? 'cannot write'
  return new LabError(`${doing} ${shown}: ${cause.words}`, { hint: cause.fix(fixTarget(failed, cause.ofFile ?? false)), cause: err })
}
