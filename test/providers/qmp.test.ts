import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkSnapshotName, deleteVmSnapshot, loadVmSnapshot, QmpClient, QmpError, saveVmSnapshot, withQmp } from '../../src/providers/qemu/qmp.js'
import { serveFakeQmp, type FakeHandler, type FakeVm } from './fake-qemu.mjs'

const dir = await mkdtemp(join(tmpdir(), 'vmlab-qmp-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))
let n = 0

async function fake(opts: { handlers?: Record<string, FakeHandler>; vm?: FakeVm } = {}) {
  const path = join(dir, `qmp${n++}.sock`)
  const vm = opts.vm ?? { running: true, snapshots: new Set<string>() }
  const log: Record<string, unknown>[] = []
  const server = await serveFakeQmp(path, { handlers: opts.handlers, vm, log })
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  return { path, vm, log }
}

t.test('handshake: greeting, then qmp_capabilities before anything else', async (t) => {
  const { path, log } = await fake()
  const qmp = await QmpClient.connect(path)
  t.equal(qmp.version, '7.2.22')
  t.same(await qmp.execute('query-status'), { status: 'running', singlestep: false, running: true })
  qmp.close()
  t.equal(log[0]?.execute, 'qmp_capabilities', 'capabilities negotiated first')
  t.match(log[1], { execute: 'query-status', id: /^vmlab-\d+$/ })
})

t.test('errors come back as QmpError with QEMU class and text', async (t) => {
  const { path } = await fake({
    handlers: {
      'blockdev-snapshot-internal-sync': () => {
        throw { class: 'GenericError', desc: "Device 'nope' not found" }
      },
    },
  })
  await withQmp(path, async (qmp) => {
    const e = await qmp.execute('no-such-command').catch((x: unknown) => x)
    t.ok(e instanceof QmpError)
    t.match(e, { errorClass: 'CommandNotFound', command: 'no-such-command', message: 'QMP no-such-command: The command no-such-command has not been found' })
    await t.rejects(qmp.execute('blockdev-snapshot-internal-sync', { device: 'nope', name: 'x' }), { message: "QMP blockdev-snapshot-internal-sync: Device 'nope' not found" })
    t.same(await qmp.execute('query-status'), { status: 'running', singlestep: false, running: true }, 'the connection is still usable')
  })
})

t.test('replies are matched by id; events in between go to listeners', async (t) => {
  const { path } = await fake()
  await withQmp(path, async (qmp) => {
    const seen: string[] = []
    const off = qmp.onEvent((e) => seen.push(e.event))
    const [a, b] = await Promise.all([qmp.hmp('savevm one'), qmp.execute<{ running: boolean }>('query-status')])
    t.equal(a, '')
    t.equal(b.running, true)
    t.same(seen, ['STOP', 'RESUME'], 'savevm pauses and resumes the VM')
    off()
    const resumed = qmp.waitForEvent('RESUME', { timeoutMs: 2_000 })
    await qmp.execute('stop')
    await qmp.execute('cont')
    t.match(await resumed, { event: 'RESUME', timestamp: { seconds: Number } })
    await t.rejects(qmp.waitForEvent('SHUTDOWN', { timeoutMs: 50 }), /no SHUTDOWN event within 50 ms/)
  })
})

t.test('one message split over many packets, several in one', async (t) => {
  const path = join(dir, 'chunks.sock')
  const server = createServer((socket) => {
    const greeting = JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: [] } }) + '\r\n'
    for (const ch of greeting) socket.write(ch)
    let buf = ''
    socket.on('data', (d) => {
      buf += d.toString()
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { id: string; execute: string }
        buf = buf.slice(nl + 1)
        const ret = msg.execute === 'query-name' ? { name: 'node1' } : {}
        socket.write(`{"event": "NIC_RX_FILTER_CHANGED", "data": {}}\r\n{"return": ${JSON.stringify(ret)}, "id": "${msg.id}"}\r\n`)
      }
    })
  })
  await new Promise<void>((r) => server.listen(path, () => r()))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  t.same(await withQmp(path, (qmp) => qmp.execute('query-name')), { name: 'node1' })
})

t.test('connection problems say what is wrong', async (t) => {
  await t.rejects(QmpClient.connect(join(dir, 'absent.sock')), /QMP .*absent\.sock: cannot connect \(ENOENT\)/)
  const path = join(dir, 'silent.sock')
  const server = createServer(() => {})
  await new Promise<void>((r) => server.listen(path, () => r()))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  await t.rejects(QmpClient.connect(path, { timeoutMs: 200 }), /no greeting within 200 ms \(is another client connected\?\)/)

  const quitting = await fake({ handlers: { quit: () => ({}) } })
  await withQmp(quitting.path, async (qmp) => {
    const pending = qmp.execute('query-status')
    ;(qmp as unknown as { socket: { destroy(): void } }).socket.destroy()
    await t.rejects(pending, /connection closed by QEMU/)
    await t.rejects(qmp.execute('query-status'), /connection closed by QEMU/, 'later calls fail at once')
  })
})

t.test('live snapshots over HMP', async (t) => {
  const { path, vm } = await fake()
  await withQmp(path, async (qmp) => {
    await saveVmSnapshot(qmp, 'clean')
    t.ok(vm.snapshots.has('clean'))
    await loadVmSnapshot(qmp, 'clean')
    t.equal(vm.running, true)

    // HMP reports failure as text in a successful reply; QEMU leaves the VM paused.
    await t.rejects(loadVmSnapshot(qmp, 'missing'), {
      name: 'QmpError',
      message: "QMP loadvm: Error: Snapshot 'missing' does not exist in one or more devices",
    })
    t.equal(vm.running, true, 'a running VM is resumed after a failed loadvm')

    vm.running = false
    await t.rejects(loadVmSnapshot(qmp, 'missing'))
    t.equal(vm.running, false, 'a paused VM stays paused')

    await deleteVmSnapshot(qmp, 'clean')
    t.notOk(vm.snapshots.has('clean'))
    await t.rejects(deleteVmSnapshot(qmp, 'clean'), /QMP delvm: Error: Snapshot 'clean' not found/)
  })
})

t.test('snapshot names cannot smuggle HMP syntax', async (t) => {
  for (const bad of ['', 'a b', 'x;quit', '-rf', 'a'.repeat(65), "it's"]) {
    t.throws(() => checkSnapshotName(bad), /snapshot name .* is not allowed/, JSON.stringify(bad))
  }
  for (const good of ['clean', 'after-docker', 'v1.2_x']) t.doesNotThrow(() => checkSnapshotName(good))
  const { path, log } = await fake()
  await withQmp(path, (qmp) => t.rejects(saveVmSnapshot(qmp, 'a b; quit')))
  t.notOk(
    log.some((m) => m.execute === 'human-monitor-command'),
    'nothing was sent',
  )
})
