import ssh2 from 'ssh2'
import type { Client, ServerHostKeyAlgorithm } from 'ssh2'
import { InputError, LabError } from '../util/errors.js'
import { describeError, retryUntil, RetryTimeoutError } from '../util/retry.js'
import { GuestAuthError, HostKeyMismatchError } from './errors.js'
import { blobType, fingerprintOf, hostKeyAlgorithms, parsePublicKey, type PinnedKey } from './host-key.js'

/** Where a node's sshd is and how we log in to it. */
export interface GuestTarget {
  /** Node name, for messages. */
  name: string
  host: string
  port: number
  user: string
  /** OpenSSH-format private key the tool logs in with. */
  privateKey: string
  /** The node's host key as a public key line ('ssh-ed25519 AAAA… comment'): pinned, never learnt. */
  hostKey: string
}

export interface WaitOptions {
  /** How long to keep trying before giving up (installs and first boots take minutes). */
  deadlineMs?: number
  /** Progress while waiting: called after each failed attempt. */
  onWait?: (attempt: number, elapsedMs: number, lastError: Error) => void
  log?: (line: string) => void
  /** Stops waiting early (the VM is known to be down). */
  signal?: AbortSignal
  /** While waiting, how long a connection may stay silent before a new one is tried (see BANNER_TIMEOUT_MS). */
  bannerTimeoutMs?: number
}

const DEFAULT_DEADLINE_MS = 300_000
/** One handshake on a TCG guest takes ~2 s; a loaded host can be much slower. */
const READY_TIMEOUT_MS = 20_000
/**
 * A booting guest behind QEMU's user-mode network accepts the TCP connection at once (QEMU does) but
 * answers nothing until its network is up; QEMU's SYNs into the guest back off meanwhile, so a connection
 * made early can stay silent for many seconds after sshd listens. While waiting, an attempt whose server
 * sent no identification line within this time is dropped and a fresh one made. A running sshd sends it
 * at once (under emulation, within a second); after BANNER_GUARD_MS of waiting the guard is lifted, so a
 * guest too slow for it still gets the whole handshake timeout.
 */
const BANNER_TIMEOUT_MS = 5_000
const BANNER_GUARD_MS = 120_000
class SilentServer extends Error {}
/** Three unanswered keep-alives 10 s apart mark the connection dead (a VM stopped under us). */
const KEEPALIVE_INTERVAL_MS = 10_000
const KEEPALIVE_COUNT_MAX = 3

export function endpoint(target: GuestTarget): string {
  return `${target.host}:${target.port}`
}

/** Fingerprint of the public half of our login key, to name the key in messages. */
function loginKeyFingerprint(target: GuestTarget): string {
  const key = ssh2.utils.parseKey(target.privateKey)
  if (key instanceof Error) {
    throw new InputError(`${target.name}: the SSH private key for ${target.user} cannot be read: ${key.message}`, 'give an unencrypted OpenSSH private key')
  }
  return fingerprintOf(key.getPublicSSH())
}

/** One attempt: resolves with a ready client, or rejects (LabError subclasses are final, anything else may be retried). */
function connectOnce(target: GuestTarget, pinned: PinnedKey, loginKey: string, readyTimeoutMs: number, bannerTimeoutMs?: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client()
    let presented: Buffer | undefined
    let settled = false
    let silence: NodeJS.Timeout | undefined
    const fail = (error: unknown): void => {
      if (settled) return
      settled = true
      clearTimeout(silence)
      client.destroy()
      reject(error)
    }
    // The handshake and each command are a few small packets each way: Nagle plus delayed ACKs
    // would add ~40 ms to every round trip.
    client.on('connect', () => {
      client.setNoDelay(true)
      if (bannerTimeoutMs !== undefined) {
        silence = setTimeout(() => fail(new SilentServer(`no SSH identification within ${bannerTimeoutMs / 1000} s`)), bannerTimeoutMs)
      }
    })
    client.on('ready', () => {
      settled = true
      clearTimeout(silence)
      resolve(client)
    })
    client.on('error', (err: Error & { level?: string }) => {
      if (presented !== undefined && !presented.equals(pinned.blob)) fail(mismatch(target, pinned, presented))
      else if (err.level === 'client-authentication') fail(authFailed(target, loginKey))
      else if (/no matching host key format/.test(err.message)) fail(mismatch(target, pinned, undefined))
      else fail(err)
    })
    client.on('close', () => fail(new Error('connection closed during the SSH handshake')))
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      algorithms: { serverHostKey: hostKeyAlgorithms(pinned.type) as ServerHostKeyAlgorithm[] },
      hostVerifier: (key: Buffer) => {
        presented = key
        return key.equals(pinned.blob)
      },
      readyTimeout: readyTimeoutMs,
      // ssh2 reports the server's identification line only through its debug hook.
      ...(bannerTimeoutMs === undefined ? {} : { debug: (line: string) => line.startsWith('Remote ident') && clearTimeout(silence) }),
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    })
  })
}

function mismatch(target: GuestTarget, pinned: PinnedKey, presented: Buffer | undefined): HostKeyMismatchError {
  const where = endpoint(target)
  const got = presented === undefined ? `no ${pinned.type} key at all` : `${fingerprintOf(presented)} (${blobType(presented)})`
  return new HostKeyMismatchError(
    target.name,
    `${target.name}: the SSH host key at ${where} is not the one lab generated for this node\n` + `  expected:  ${pinned.fingerprint} (${pinned.type})\n` + `  presented: ${got}`,
    {
      expected: pinned.fingerprint,
      ...(presented === undefined ? {} : { presented: fingerprintOf(presented) }),
      hint:
        `the VM may have been rebuilt outside lab (or its identity agent did not install the keys from its seed disc), ` +
        `or another machine now answers at ${where}. If the node was re-created, run \`lab destroy\` and then \`lab up\`; ` +
        `otherwise make sure no other VM uses ${target.host}`,
    },
  )
}

function authFailed(target: GuestTarget, loginKey: string): GuestAuthError {
  return new GuestAuthError(
    target.name,
    `${target.name}: sshd at ${endpoint(target)} refused the login of ${target.user} with lab's key ${loginKey}`,
    `the key must be in ~${target.user}/.ssh/authorized_keys on the node: the base install puts it there, and on a clone ` +
      `the identity agent installs it from the seed disc; the agent may not have run (is the seed disc attached? ` +
      `its log is /var/log/vmlab-identity.log on the node)`,
  )
}

/**
 * Connects, retrying with back-off (0.5 s doubling to 5 s) while the node is not up yet, until
 * the deadline; a connection that stays silent is replaced at once. A wrong host key or a refused login
 * fails at once.
 */
export async function connectWithRetry(target: GuestTarget, opts: WaitOptions = {}): Promise<Client> {
  const pinned = parsePublicKey(target.hostKey)
  const loginKey = loginKeyFingerprint(target)
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS
  const started = Date.now()
  opts.log?.(`${target.name}: connecting to ${target.user}@${endpoint(target)}`)
  try {
    const client = await retryUntil(
      ({ elapsedMs, remainingMs }) =>
        connectOnce(target, pinned, loginKey, Math.max(1000, Math.min(READY_TIMEOUT_MS, remainingMs)), elapsedMs < BANNER_GUARD_MS ? (opts.bannerTimeoutMs ?? BANNER_TIMEOUT_MS) : undefined),
      {
        deadlineMs,
        initialMs: 500,
        maxMs: 5000,
        retryable: (error) => !(error instanceof LabError),
        // A silent attempt has waited already: the next one goes at once, as a fresh connection.
        immediate: (error) => error instanceof SilentServer,
        onRetry: ({ attempt, elapsedMs, error }) => {
          const err = error instanceof Error ? error : new Error(String(error))
          opts.log?.(`${target.name}: SSH not ready (attempt ${attempt}, ${Math.round(elapsedMs / 1000)} s): ${err.message}`)
          opts.onWait?.(attempt, elapsedMs, err)
        },
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      },
    )
    opts.log?.(`${target.name}: connected in ${Date.now() - started} ms`)
    return client
  } catch (error) {
    if (!(error instanceof RetryTimeoutError)) throw error
    throw new LabError(
      `${target.name}: SSH at ${endpoint(target)} did not answer within ${Math.round(deadlineMs / 1000)} s ` + `(${error.attempts} attempts; last error: ${describeError(error.lastError)})`,
      {
        hint: 'the VM may still be installing or booting, or it failed to start: look at its console, or give it more time',
        cause: error.lastError,
      },
    )
  }
}
