import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { run } from '../../src/util/run.js'
import { LabError } from '../../src/util/errors.js'
import { GuestAuthError, HostKeyMismatchError } from '../../src/guest/errors.js'
import { parsePublicKey } from '../../src/guest/host-key.js'
import { GuestSession, type ConnectOptions } from '../../src/guest/session.js'
import { createSshd, freePort, keygen, startSshd, type TestSshd } from '../helpers/sshd.js'

const keys = await mkdtemp(join(tmpdir(), 'vmlab-connect-'))
t.teardown(() => rm(keys, { recursive: true, force: true }))
const sshd = await startSshd(t)

function target(server: TestSshd, over: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    name: 'node1',
    host: server.host,
    port: server.port,
    user: 'root',
    privateKey: server.userKey.private,
    hostKey: server.hostKey.public,
    ...over,
  }
}

t.test('the pinned host key lets us in', async (t) => {
  const logged: string[] = []
  const session = await GuestSession.connect(target(sshd, { log: (l) => logged.push(l) }))
  t.teardown(() => session.close())
  t.equal(session.connected, true)
  const who = await session.exec('id -un')
  t.equal(who.stdout, 'root\n')
  t.match(logged[0], `node1: connecting to root@127.0.0.1:${sshd.port}`)
  t.match(logged[1], /^node1: connected in \d+ ms$/)
})

t.test('a different host key is refused at once, naming both fingerprints', async (t) => {
  const other = await keygen(keys, 'other_host_key')
  const before = sshd.connections()
  const started = Date.now()
  const error = await GuestSession.connect(target(sshd, { hostKey: other.public, deadlineMs: 30_000 })).catch((e: unknown) => e)
  t.type(error, HostKeyMismatchError)
  const e = error as HostKeyMismatchError
  const expected = parsePublicKey(other.public).fingerprint
  const presented = parsePublicKey(sshd.hostKey.public).fingerprint
  t.equal(
    e.message,
    `node1: the SSH host key at 127.0.0.1:${sshd.port} is not the one lab generated for this node\n` + `  expected:  ${expected} (ssh-ed25519)\n` + `  presented: ${presented} (ssh-ed25519)`,
  )
  t.match(e.hint, /rebuilt outside lab/)
  t.match(e.hint, /`lab destroy` and then `lab up`/)
  t.match(e.hint, /no other VM uses 127\.0\.0\.1/)
  t.equal(e.expected, expected)
  t.equal(e.presented, presented)
  t.ok(Date.now() - started < 5000, 'no waiting for the deadline')
  await new Promise((r) => setTimeout(r, 200))
  t.equal(sshd.connections() - before, 1, 'one attempt only')
})

t.test('a host that has no key of the pinned type is refused too', async (t) => {
  await run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(keys, 'rsa_key')])
  const { readFile } = await import('node:fs/promises')
  const rsa = (await readFile(join(keys, 'rsa_key.pub'), 'utf8')).trim()
  const error = await GuestSession.connect(target(sshd, { hostKey: rsa })).catch((e: unknown) => e)
  t.type(error, HostKeyMismatchError)
  t.match((error as Error).message, /presented: no ssh-rsa key at all/)
})

t.test('a key sshd does not accept fails at once with user, key and the identity agent in the hint', async (t) => {
  const stranger = await keygen(keys, 'stranger')
  const started = Date.now()
  const error = await GuestSession.connect(target(sshd, { privateKey: stranger.private, deadlineMs: 30_000 })).catch((e: unknown) => e)
  t.type(error, GuestAuthError)
  const fingerprint = parsePublicKey(stranger.public).fingerprint
  t.equal((error as Error).message, `node1: sshd at 127.0.0.1:${sshd.port} refused the login of root with lab's key ${fingerprint}`)
  t.match((error as LabError).hint, /identity agent/)
  t.match((error as LabError).hint, /seed disc/)
  t.ok(Date.now() - started < 5000)
})

t.test('an unknown user is an authentication failure too', async (t) => {
  const error = await GuestSession.connect(target(sshd, { user: 'nosuchuser' })).catch((e: unknown) => e)
  t.type(error, GuestAuthError)
  t.match((error as Error).message, /refused the login of nosuchuser/)
})

t.test('waits for an sshd that starts 3 s later, reporting progress', async (t) => {
  const late = await createSshd()
  t.teardown(() => late.destroy())
  const waits: Array<{ attempt: number; elapsedMs: number; error: string }> = []
  const started = Date.now()
  setTimeout(() => void late.start(), 3000)
  const session = await GuestSession.connect(
    target(late, {
      deadlineMs: 30_000,
      onWait: (attempt, elapsedMs, lastError) => waits.push({ attempt, elapsedMs, error: lastError.message }),
    }),
  )
  t.teardown(() => session.close())
  const elapsed = Date.now() - started
  t.ok(elapsed >= 3000 && elapsed < 12_000, `connected after ${elapsed} ms`)
  t.ok(waits.length >= 3, `${waits.length} waits`)
  t.same(
    waits.map((w) => w.attempt),
    waits.map((_, i) => i + 1),
  )
  t.match(waits[0]?.error, /ECONNREFUSED/)
  const gaps = waits.slice(1).map((w, i) => w.elapsedMs - (waits[i]?.elapsedMs ?? 0))
  // Each gap is a pause plus a connection attempt, whose time a busy machine stretches: compare the ends.
  t.ok(gaps.length < 2 || gaps.at(-1)! > gaps[0]!, `back-off grows: ${gaps.join(', ')}`)
  t.equal((await session.exec('echo up')).stdout, 'up\n')
})

t.test('a connection that stays silent (a booting guest behind QEMU user-mode NAT) is replaced by a fresh one', async (t) => {
  // Like QEMU's port forward: every connection is accepted at once; until the "guest" is up it is held
  // open without a byte, after that it is joined to the real sshd.
  const held: Socket[] = []
  let up = false
  let accepted = 0
  const forward = createServer((client) => {
    accepted++
    if (!up) {
      held.push(client)
      client.on('error', () => {})
      return
    }
    const server = connect(sshd.port, sshd.host)
    client.pipe(server).pipe(client)
    client.on('error', () => server.destroy())
    server.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => forward.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const c of held) c.destroy()
    forward.close()
  })
  const port = (forward.address() as AddressInfo).port
  const waits: string[] = []
  const started = Date.now()
  setTimeout(() => (up = true), 1500)
  const session = await GuestSession.connect(target(sshd, { port, deadlineMs: 30_000, bannerTimeoutMs: 1000, onWait: (_a, _e, error) => waits.push(error.message) }))
  t.teardown(() => session.close())
  const elapsed = Date.now() - started
  t.match(waits[0], /^no SSH identification within 1 s$/)
  t.ok(accepted >= 2, `${accepted} connections made`)
  // Held on to, the first connection would have waited for the 20 s handshake timeout.
  t.ok(elapsed < 10_000, `connected after ${elapsed} ms`)
  t.equal((await session.exec('echo up')).stdout, 'up\n')
})

t.test('past the deadline: a clear error naming node, address and the last error', async (t) => {
  const port = await freePort()
  const started = Date.now()
  const error = await GuestSession.connect(target(sshd, { name: 'node9', port, deadlineMs: 2000 })).catch((e: unknown) => e)
  const elapsed = Date.now() - started
  t.type(error, LabError)
  t.match((error as Error).message, new RegExp(`^node9: SSH at 127\\.0\\.0\\.1:${port} did not answer within 2 s \\(\\d+ attempts; last error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`))
  t.match((error as LabError).hint, /installing or booting/)
  t.ok(elapsed >= 2000 && elapsed < 8000, `gave up after ${elapsed} ms`)
})

t.test('a bad private key is an input error before any connection', async (t) => {
  await t.rejects(GuestSession.connect(target(sshd, { privateKey: 'not a key' })), { message: /node1: the SSH private key for root cannot be read/ })
  await t.rejects(GuestSession.connect(target(sshd, { hostKey: 'ssh-ed25519' })), { message: /not an OpenSSH public key/ })
})
