/**
 * `lab status`'s SSH probe: a banner that comes late (an emulated guest right after a live snapshot) still
 * counts, a connection the NAT closes at once (nothing listens in the guest) is unreachable at once, and a
 * server that never answers is unreachable after the time limit.
 */
import t from 'tap'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { sshBanner } from '../../src/engine/status.js'

async function server(onConnection: (s: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const srv = createServer((s) => {
    sockets.add(s)
    onConnection(s)
  })
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
  return {
    port: (srv.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        srv.close(() => resolve())
      }),
  }
}

t.test('a banner that comes after 3.5 s counts: the guest is up, only slow', async (t) => {
  const s = await server((c) => setTimeout(() => c.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'), 3500))
  t.teardown(s.close)
  t.equal(await sshBanner('127.0.0.1', s.port), true)
})

t.test('a connection closed at once (user-mode NAT, nothing listening in the guest) is unreachable at once', async (t) => {
  const s = await server((c) => c.end())
  t.teardown(s.close)
  const started = Date.now()
  t.equal(await sshBanner('127.0.0.1', s.port), false)
  t.ok(Date.now() - started < 1000, `told in ${Date.now() - started} ms`)
})

t.test('something that answers but is no SSH server is unreachable', async (t) => {
  const s = await server((c) => c.write('HTTP/1.1 400 Bad Request\r\n\r\n'))
  t.teardown(s.close)
  t.equal(await sshBanner('127.0.0.1', s.port), false)
})

t.test('a server that never answers is unreachable after the time limit', async (t) => {
  const s = await server(() => undefined)
  t.teardown(s.close)
  const started = Date.now()
  t.equal(await sshBanner('127.0.0.1', s.port, 400), false)
  t.ok(Date.now() - started >= 350, 'it waited for the limit')
})
