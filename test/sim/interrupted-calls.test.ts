/**
 * The simulators cut short as real CLIs are: VBoxManage killed inside createvm, and a simulator whose reader
 * died (the `lab` that started it was killed) dying of SIGPIPE at its next write, as a C program does.
 */
import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { run } from '../../src/util/run.js'

const BIN = join(import.meta.dirname, 'bin')

function simEnv(state: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: '', VMLAB_SIM_STATE: state, ...extra }
}

/** Runs a simulator with its stdout pipe closed before it writes, as a killed reader leaves it. */
function withReaderGone(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(join(BIN, bin), args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.destroy()
  child.stderr.destroy()
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
}

t.test('VBoxManage and vmrun die of SIGPIPE when nobody reads their output any more', async (t) => {
  const dir = t.testdir({ state: {} })
  const vbox = await withReaderGone('VBoxManage', ['--version'], simEnv(join(dir, 'state')))
  t.same(vbox, { code: null, signal: 'SIGPIPE' }, 'VBoxManage --version')
  const vmrun = await withReaderGone('vmrun', ['list'], simEnv(join(dir, 'state')))
  t.same(vmrun, { code: null, signal: 'SIGPIPE' }, 'vmrun list')
})

t.test('createvm killed between saving the settings file and registering leaves the file and no VM, as VirtualBox does', async (t) => {
  const dir = t.testdir({ state: {} })
  const env = simEnv(join(dir, 'state'), { VMLAB_SIM_CREATE_SECONDS: '60' })
  const vbox = (args: string[]) => run(join(BIN, 'VBoxManage'), args, { env, reject: false })
  const cfg = join(dir, 'state', 'home', 'VirtualBox VMs', 'vmlab', 'half', 'half.vbox')
  const child = spawn(join(BIN, 'VBoxManage'), ['createvm', '--name', 'half', '--groups', '/vmlab', '--register'], { env, stdio: 'ignore' })
  while (!existsSync(cfg)) await new Promise((r) => setTimeout(r, 20))
  // Other commands run meanwhile: VirtualBox does not hold every client up while one creates a VM.
  t.equal((await vbox(['list', 'vms'])).stdout, '', 'not registered yet')
  child.kill('SIGKILL')
  await new Promise((r) => child.on('exit', r))
  t.ok(existsSync(cfg), 'the settings file stays')
  t.equal((await vbox(['list', 'vms'])).stdout, '', 'no VM is registered')
  const again = await vbox(['createvm', '--name', 'half', '--groups', '/vmlab', '--register'])
  t.equal(again.exitCode, 1)
  t.match(again.stderr, `VBoxManage: error: Machine settings file '${cfg}' already exists\nVBoxManage: error: Details: code VBOX_E_FILE_ERROR (0x80bb0004)`)
})

t.test('createvm with VMLAB_SIM_CREATE_SECONDS registers the VM once the time is over and prints what VBoxManage prints', async (t) => {
  const dir = t.testdir({ state: {} })
  const env = simEnv(join(dir, 'state'), { VMLAB_SIM_CREATE_SECONDS: '0.3' })
  const made = await run(join(BIN, 'VBoxManage'), ['createvm', '--name', 'slow', '--register'], { env, reject: false })
  t.equal(made.exitCode, 0, made.stderr)
  t.match(made.stdout, /^Virtual machine 'slow' is created and registered\.\nUUID: [0-9a-f-]{36}\nSettings file: '.*slow\.vbox'\n$/)
  t.match((await run(join(BIN, 'VBoxManage'), ['list', 'vms'], { env })).stdout, /^"slow" \{[0-9a-f-]{36}\}\n$/)
})

t.test('VMLAB_SIM_HOLD keeps a matching call waiting until its line is gone, and lets the others run', async (t) => {
  const dir = t.testdir({ state: {}, hold: 'hostonlyif create\n' })
  const env = simEnv(join(dir, 'state'), { VMLAB_SIM_HOLD: join(dir, 'hold') })
  const vbox = (args: string[]) => run(join(BIN, 'VBoxManage'), args, { env, reject: false })
  let done = false
  const create = vbox(['hostonlyif', 'create']).then((r) => {
    done = true
    return r
  })
  t.equal((await vbox(['list', 'hostonlyifs'])).stdout, '', 'another call runs meanwhile')
  await new Promise((r) => setTimeout(r, 500))
  t.notOk(done, 'the held call has not run')
  rmSync(join(dir, 'hold'))
  const r = await create
  t.equal(r.exitCode, 0, r.stderr)
  t.match(r.stdout, /^Interface 'vboxnet0' was successfully created\n$/)
})
