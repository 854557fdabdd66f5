/**
 * A data folder deeper than a UNIX socket path allows (CI checkouts, long home folders) still works:
 * the sockets get short stand-ins in a private folder, found again by every later command.
 */
import t from 'tap'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { realRunner } from '../../src/providers/cli-runner.js'
import { ensureSocketFolder, SOCKET_PATH_MAX, socketPath } from '../../src/providers/qemu/socket-path.js'
import { ensureVdeSwitch, stopVdeSwitch, vdePaths } from '../../src/providers/qemu/vde-network.js'
import { vmFiles } from '../../src/providers/qemu/qemu-vm.js'

const deepUnder = (root: string) => join(root, 'a-rather-long-folder-name-for-a-checkout/'.repeat(3), 'qemu')

t.test('a short path is kept; a long one gets a short, stable stand-in named after it', async (t) => {
  t.equal(socketPath('/home/t/.local/share/vmlab/qemu/vms/a/qmp.sock'), '/home/t/.local/share/vmlab/qemu/vms/a/qmp.sock')
  const long = `${deepUnder('/home/teacher')}/vms/vmlab-base-debian12-5a37d4e1/qmp.sock`
  t.ok(Buffer.byteLength(long) > SOCKET_PATH_MAX)
  const env = { XDG_RUNTIME_DIR: '/run/user/1000' }
  const short = socketPath(long, 0, env)
  t.match(short, /^\/run\/user\/1000\/vmlab\/[0-9a-f]{16}-qmp\.sock$/)
  t.equal(socketPath(long, 0, env), short, 'the same path every time')
  t.not(socketPath(long.replace('5a37', '6b48'), 0, env), short, 'another VM, another socket')
  t.match(socketPath(long, 0, {}), /\/vmlab-\d+\/[0-9a-f]{16}-qmp\.sock$/, 'without a runtime folder: the temporary folder')
  t.ok(Buffer.byteLength(vmFiles(dirname(long)).qmp) <= SOCKET_PATH_MAX, "the VM's monitor socket fits")
  const justFits = `/${'x'.repeat(SOCKET_PATH_MAX - 10)}/ctl`
  t.equal(socketPath(justFits), justFits)
  t.not(socketPath(justFits, 20), justFits, 'room kept for the names a client adds below it')
})

t.test('the stand-in folder must be private: made 0700, refused when open to others', async (t) => {
  // A runtime folder as short as /run/user/1000: a deeper one is not used.
  const root = mkdtempSync('/tmp/vs-')
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const env = { XDG_RUNTIME_DIR: join(root, 'run') }
  const sock = socketPath(`${deepUnder(root)}/vms/a/qmp.sock`, 0, env)
  t.equal(dirname(sock), join(root, 'run', 'vmlab'))
  await ensureSocketFolder(sock, env)
  t.equal(statSync(dirname(sock)).mode & 0o777, 0o700)
  const open = join(root, 'run', 'vmlab')
  chmodSync(open, 0o777)
  await t.rejects(ensureSocketFolder(sock, env), {
    message: `the socket folder ${open} is not a private folder of this user's (a folder, owned by uid ${process.getuid?.()}, mode 0700)`,
    hint: new RegExp(`remove it \\(rm -r ${open}\\)`),
  })
  const vmFolder = join(root, 'vm')
  mkdirSync(vmFolder, { mode: 0o755 })
  await ensureSocketFolder(join(vmFolder, 'qmp.sock'), env)
  t.pass("a socket in the VM's own folder is left to that folder's rules")
})

t.test('a real vde_switch runs for a lab whose data folder is too deep for its socket, and stopping removes it', async (t) => {
  const networks = join(deepUnder(t.testdir({})), 'networks')
  const p = vdePaths(networks, 'deep-lab')
  t.ok(Buffer.byteLength(join(p.dir, 'ctl')) > SOCKET_PATH_MAX, 'the folder is deeper than a socket path allows')
  const r = await ensureVdeSwitch(realRunner, 'vde_switch', networks, 'deep-lab')
  t.teardown(() => stopVdeSwitch(networks, 'deep-lab'))
  t.equal(r.ctl, p.ctl)
  t.ok(Buffer.byteLength(join(r.ctl, 'ctl')) <= SOCKET_PATH_MAX)
  t.ok(statSync(join(r.ctl, 'ctl')).isSocket(), "the switch's control socket is there")
  t.equal(statSync(dirname(r.ctl)).mode & 0o077, 0, 'in a folder closed to others')
  t.same((await ensureVdeSwitch(realRunner, 'vde_switch', networks, 'deep-lab')).created, false, 'found again by the next command')
  await stopVdeSwitch(networks, 'deep-lab')
  t.notOk(existsSync(r.ctl), 'the stand-in is gone')
  t.notOk(existsSync(p.dir))
})
