import { randomBytes } from 'node:crypto'
import { posix } from 'node:path'
import type { SFTPWrapper } from 'ssh2'
import { InputError, LabError } from '../util/errors.js'
import { GuestConnectionError } from './errors.js'
import { commandText } from './remote-command.js'
import type { GuestSession } from './session.js'

export interface UploadOptions {
  /** Permission bits, e.g. 0o644. */
  mode: number
  owner?: string
  group?: string
  /**
   * Install through `sudo` (default when not logged in as root): the data goes to /tmp
   * first, then `sudo install` puts it in place.
   */
  sudo?: boolean
}

export async function upload(session: GuestSession, remotePath: string, data: string | Buffer, opts: UploadOptions): Promise<void> {
  if (!remotePath.startsWith('/') || remotePath.endsWith('/')) {
    throw new InputError(`${session.name}: upload needs an absolute file path, not ${JSON.stringify(remotePath)}`)
  }
  if (!Number.isInteger(opts.mode) || opts.mode < 0 || opts.mode > 0o7777) {
    throw new InputError(`${session.name}: ${opts.mode} is not a file mode (e.g. 0o644)`)
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  const owner = ownerSpec(opts)
  const mode = opts.mode.toString(8).padStart(4, '0')
  session.logLine(`upload ${remotePath} (${bytes.length} bytes, mode ${mode}${owner ? `, owner ${owner}` : ''})`)
  const viaSudo = (opts.sudo ?? true) && session.user !== 'root'
  if (viaSudo) await uploadWithSudo(session, remotePath, bytes, mode, opts)
  else await uploadDirect(session, remotePath, bytes, opts.mode, owner)
}

export async function download(session: GuestSession, remotePath: string): Promise<Buffer> {
  const sftp = await session.sftp()
  return new Promise((resolve, reject) => {
    sftp.readFile(remotePath, (err: Error | undefined, data: Buffer) => (err ? reject(sftpError(session, `cannot read ${remotePath}`, err)) : resolve(data)))
  })
}

/** `chown` spelling of the requested owner and group ('' when neither). */
function ownerSpec(opts: UploadOptions): string {
  if (opts.owner !== undefined && opts.group !== undefined) return `${opts.owner}:${opts.group}`
  if (opts.owner !== undefined) return opts.owner
  return opts.group !== undefined ? `:${opts.group}` : ''
}

/** A hidden name beside the target, so that the final rename stays within one file system (and so is atomic). */
function temporarySibling(remotePath: string): string {
  return posix.join(posix.dirname(remotePath), `.${posix.basename(remotePath)}.vmlab-${randomBytes(6).toString('hex')}`)
}

async function uploadDirect(session: GuestSession, remotePath: string, bytes: Buffer, mode: number, owner: string): Promise<void> {
  const sftp = await session.sftp()
  const tmp = temporarySibling(remotePath)
  try {
    await sftpCall(session, `cannot write ${tmp}`, (cb) => sftp.writeFile(tmp, bytes, { mode }, cb))
    // The server's umask applies when the file is created; set the exact mode afterwards.
    await sftpCall(session, `cannot set the mode of ${tmp}`, (cb) => sftp.chmod(tmp, mode, cb))
    if (owner) await session.run(['chown', '--', owner, tmp])
    await sftpCall(session, `cannot rename ${tmp} to ${remotePath}`, (cb) => sftp.ext_openssh_rename(tmp, remotePath, cb))
  } catch (error) {
    await removeQuietly(sftp, tmp)
    throw error
  }
}

async function uploadWithSudo(session: GuestSession, remotePath: string, bytes: Buffer, mode: string, opts: UploadOptions): Promise<void> {
  const sftp = await session.sftp()
  const staging = `/tmp/.vmlab-upload-${randomBytes(6).toString('hex')}`
  const tmp = temporarySibling(remotePath)
  try {
    await sftpCall(session, `cannot write ${staging}`, (cb) => sftp.writeFile(staging, bytes, { mode: 0o600 }, cb))
  } catch (error) {
    await removeQuietly(sftp, staging)
    throw error
  }
  const install = ['install', '-m', mode, ...(opts.owner === undefined ? [] : ['-o', opts.owner]), ...(opts.group === undefined ? [] : ['-g', opts.group]), '--', staging, tmp]
  // install writes a new file in the target directory (so it gets that directory's SELinux
  // context, which a file moved from /tmp would not), then a rename puts it in place.
  const script = `${commandText(install)} && ${commandText(['mv', '-f', '--', tmp, remotePath])}; ` + `rc=$?; ${commandText(['rm', '-f', '--', staging, tmp])}; exit $rc`
  await session.run(script, { sudo: true })
}

function sftpCall(session: GuestSession, what: string, call: (cb: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      call((err) => (err ? reject(sftpError(session, what, err)) : resolve()))
    } catch (error) {
      // ssh2 throws synchronously when the server lacks an extension (posix-rename).
      reject(sftpError(session, what, error as Error))
    }
  })
}

function removeQuietly(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      sftp.unlink(path, () => resolve())
    } catch {
      resolve()
    }
  })
}

function sftpError(session: GuestSession, what: string, err: Error): LabError {
  if (!session.connected) {
    return new GuestConnectionError(session.name, `${session.name}: ${what}: the connection to ${session.describe()} was lost (${err.message})`, {
      hint: 'the node may have rebooted or stopped; reconnect and run the step again',
      cause: err,
    })
  }
  return new LabError(`${session.name}: ${what}: ${err.message}`, {
    hint: 'check that the directory exists on the node and that the login user may write there',
    cause: err,
  })
}
