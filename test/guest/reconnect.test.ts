import t from 'tap'
import { GuestConnectionError } from '../../src/guest/errors.js'
import { GuestPool } from '../../src/guest/pool.js'
import { GuestSession, type ConnectOptions } from '../../src/guest/session.js'
import { startSshd, SUDO_USER } from '../helpers/sshd.js'

const sshd = await startSshd(t)
const options = (name = 'node1', over: Partial<ConnectOptions> = {}): ConnectOptions => ({
  name,
  host: sshd.host,
  port: sshd.port,
  user: SUDO_USER,
  privateKey: sshd.userKey.private,
  hostKey: sshd.hostKey.public,
  deadlineMs: 30_000,
  ...over,
})

/** sshd logs each accepted connection as the client connects; give its stderr a moment to arrive. */
async function connectionsNow(): Promise<number> {
  await new Promise((r) => setTimeout(r, 200))
  return sshd.connections()
}

t.test('a connection killed mid-command is a GuestConnectionError; reconnect() works', async (t) => {
  const logged: string[] = []
  const session = await GuestSession.connect(options('node1', { log: (l) => logged.push(l) }))
  t.teardown(() => session.close())
  const running = session.exec('echo started; sleep 3; echo finished')
  await new Promise((r) => setTimeout(r, 700))
  t.ok((await sshd.killConnections()) > 0, 'killed the sshd processes serving the session')
  const error = await running.catch((e: unknown) => e)
  t.type(error, GuestConnectionError)
  t.match((error as Error).message, new RegExp(`^node1: lost the connection while running \`echo started; sleep 3; echo finished\` on ${SUDO_USER}@127\\.0\\.0\\.1:${sshd.port}: `))
  t.equal(session.connected, false)
  t.ok(logged.some((l) => l.startsWith('node1: disconnected: ')))

  const refused = await session.exec('true').catch((e: unknown) => e)
  t.type(refused, GuestConnectionError, 'no command runs on a dead connection')
  t.match((refused as Error).message, /^node1: not connected to .*; cannot run `true`/)

  await session.reconnect()
  t.equal((await session.exec('echo back')).stdout, 'back\n')
})

t.test('a reboot: sshd gone for 2 s, reconnect waits for it with the same pinned key', async (t) => {
  const waits: number[] = []
  const session = await GuestSession.connect(options('node1', { onWait: (attempt) => waits.push(attempt) }))
  t.teardown(() => session.close())
  await sshd.stop()
  // The close arrives as soon as the event loop gets to it: on a loaded machine, later than on an idle one.
  for (let waited = 0; session.connected && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50))
  t.equal(session.connected, false, 'the old connection noticed')
  setTimeout(() => void sshd.start(), 2000)
  const started = Date.now()
  await session.reconnect()
  t.ok(Date.now() - started >= 1500, `waited for sshd to come back (${Date.now() - started} ms)`)
  t.ok(waits.length > 0, `${waits.length} waits reported`)
  t.equal((await session.exec('echo rebooted')).stdout, 'rebooted\n')
})

t.test('one connection carries 50 commands', async (t) => {
  const before = await connectionsNow()
  const session = await GuestSession.connect(options())
  t.teardown(() => session.close())
  for (let i = 0; i < 50; i++) t.equal((await session.exec(['echo', String(i)])).stdout, `${i}\n`, `exec ${i}`)
  await session.upload(`/tmp/vmlab-reuse-${sshd.port}`, 'x', { mode: 0o600, sudo: false })
  t.equal((await session.download(`/tmp/vmlab-reuse-${sshd.port}`)).toString(), 'x')
  await session.exec(['rm', '-f', `/tmp/vmlab-reuse-${sshd.port}`])
  t.equal((await connectionsNow()) - before, 1, 'sshd accepted exactly one TCP connection')
})

t.test('the pool opens one session per node, lazily, shared by concurrent callers', async (t) => {
  const asked: string[] = []
  const pool = new GuestPool((node) => {
    asked.push(node)
    return options(node)
  })
  t.teardown(() => pool.closeAll())
  const before = await connectionsNow()
  t.equal(sshd.connections(), before, 'nothing opened before the first get')
  const [a, b, c] = await Promise.all([pool.get('master'), pool.get('master'), pool.get('node1')])
  t.equal(a, b, 'one session for one node')
  t.not(a, c)
  t.same(asked.sort(), ['master', 'node1'])
  t.equal((await connectionsNow()) - before, 2)

  await sshd.killConnections()
  await new Promise((r) => setTimeout(r, 300))
  t.equal(a?.connected, false)
  const [again, twice] = await Promise.all([pool.get('master'), pool.get('master')])
  t.equal(again, a, 'the same session, reconnected')
  t.equal(twice, a)
  t.equal((await again?.exec('echo alive'))?.stdout, 'alive\n')
  t.equal((await connectionsNow()) - before, 3, 'one reconnect however many callers asked')

  await pool.closeAll()
  t.equal(a?.connected, false)
  t.equal(c?.connected, false)
})

t.test('a failed first connect is not cached', async (t) => {
  let calls = 0
  const pool = new GuestPool((node) => {
    calls++
    return calls === 1 ? options(node, { port: 1, deadlineMs: 100 }) : options(node)
  })
  t.teardown(() => pool.closeAll())
  await t.rejects(pool.get('node2'), { message: /did not answer/ })
  const session = await pool.get('node2')
  t.equal((await session.exec('echo ok')).stdout, 'ok\n')
})
