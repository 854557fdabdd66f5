/** Every hypervisor CLI call has a time limit by kind, scaled by VMLAB_CLI_TIMEOUT_SCALE, with what to do when it is reached. */
import t from 'tap'
import { CHANGE, PROBE, limitOptions, long, timeoutScale } from '../../src/providers/call-limits.js'
import { vboxCallLimit, vboxCallOptions } from '../../src/providers/virtualbox/call-limits.js'
import { vmrunCallLimit, VDISKMANAGER } from '../../src/providers/vmware/call-limits.js'
import { qemuImgCallLimit } from '../../src/providers/qemu/call-limits.js'
import { CommandTimeoutError, InputError } from '../../src/util/errors.js'
import type { CliRunner } from '../../src/providers/cli-runner.js'
import type { RunOptions } from '../../src/util/run.js'
import { baseSpec, LAB_NET, simHost } from './virtualbox-sim-helpers.js'

t.setTimeout(300_000)

t.test('VMLAB_CLI_TIMEOUT_SCALE: one factor, or one per kind; anything else is named with its fix', async (t) => {
  t.same(timeoutScale(undefined), { probe: 1, change: 1, long: 1 })
  t.same(timeoutScale(' '), { probe: 1, change: 1, long: 1 })
  t.same(timeoutScale('3'), { probe: 3, change: 3, long: 3 })
  t.same(timeoutScale('probe=0.1, long=0.01'), { probe: 0.1, change: 1, long: 0.01 })
  t.same(timeoutScale('change=2'), { probe: 1, change: 2, long: 1 })
  for (const bad of ['abc', '0', '-1', 'probe=', 'probe=x', 'clone=2', 'probe=1=2', 'probe=1,,']) {
    t.throws(() => timeoutScale(bad), InputError, bad)
    t.throws(() => timeoutScale(bad), { message: /^VMLAB_CLI_TIMEOUT_SCALE=".*" is not a time limit scale$/, hint: /positive factor/ })
  }
  t.same(limitOptions(PROBE, 'do this', { VMLAB_CLI_TIMEOUT_SCALE: 'probe=0.5' }), { timeoutMs: 15_000, timeoutHint: 'do this' }, 'a probe: 30 s by default')
  t.match(limitOptions(long(10), 'do this', {}), { timeoutMs: 600_000, timeoutHint: /^do this; if it was only slow .* VMLAB_CLI_TIMEOUT_SCALE=3$/ }, 'a long operation may just be slow')
})

t.test('VirtualBox: reads are probes, what makes or copies disks gets long limits', async (t) => {
  const limit = (...args: string[]) => vboxCallLimit(args)
  for (const probe of [['--version'], ['list', 'vms'], ['list', 'hdds'], ['showvminfo', 'vm', '--machinereadable'], ['snapshot', 'vm', 'list', '--machinereadable']])
    t.same(limit(...probe), PROBE, probe.join(' '))
  t.same(limit('clonemedium', 'disk', 'a', 'b'), long(60))
  t.same(limit('clonevm', 'base', '--snapshot', 's'), long(30))
  t.same(limit('snapshot', 'vm', 'take', 'clean'), long(15))
  t.same(limit('snapshot', 'vm', 'delete', 'clean'), long(30))
  t.same(limit('startvm', 'vm', '--type', 'headless'), long(5))
  t.same(limit('modifyvm', 'vm', '--memory', '1024'), CHANGE, 'a setting changes in seconds')
  t.same(limit('closemedium', 'dvd', 'x.iso'), CHANGE, 'a sub-command not listed is a change, 2 min')
  t.match(vboxCallOptions(['--version'], 'linux', {}), {
    timeoutMs: 30_000,
    timeoutHint: /^VBoxSVC, VirtualBox's background service, may be wedged: run `VBoxManage list vms` by hand; .*kill \$\(pgrep -x VBoxSVC\)/,
  })
  t.match(vboxCallOptions(['--version'], 'win32', {}).timeoutHint, /Task Manager/)
})

t.test('VMware and QEMU: the same kinds', async (t) => {
  t.same([vmrunCallLimit(''), vmrunCallLimit('list'), vmrunCallLimit('listSnapshots')], [PROBE, PROBE, PROBE])
  t.same([vmrunCallLimit('clone'), vmrunCallLimit('deleteSnapshot'), vmrunCallLimit('stop')], [long(30), long(30), CHANGE])
  t.same(VDISKMANAGER, long(10))
  t.same([qemuImgCallLimit(['info', '-U', 'x']), qemuImgCallLimit(['snapshot', '-l', 'x'])], [PROBE, PROBE])
  t.same([qemuImgCallLimit(['snapshot', '-c', 'tag', 'x']), qemuImgCallLimit(['create', '-f', 'qcow2', 'x'])], [long(10), CHANGE])
})

t.test('every VBoxManage call of the provider carries its time limit and hint', async (t) => {
  const h = simHost(t)
  const seen: Array<{ args: string[]; opts: RunOptions | undefined }> = []
  const runner: CliRunner = { dryRun: false, run: (file, args, opts) => (seen.push({ args: [...args], opts }), h.runner.run(file, args, opts)) }
  const p = h.provider({ labNetwork: LAB_NET, runner })
  await p.detect()
  const net = await p.ensureNetwork(LAB_NET)
  await p.createBase(baseSpec(h, net))
  await p.destroy(baseSpec(h, net).name)
  t.ok(seen.length > 20, `${seen.length} calls`)
  const without = seen.filter((c) => !(c.opts?.timeoutMs && c.opts.timeoutHint))
  t.same(
    without.map((c) => c.args.join(' ')),
    [],
    'none without a limit',
  )
  t.equal(seen.find((c) => c.args[0] === '--version')?.opts?.timeoutMs, 30_000)
  t.equal(seen.find((c) => c.args[0] === 'createmedium')?.opts?.timeoutMs, 600_000)
})

t.test('a VBoxManage that never answers: the provider stops it and says what to do', async (t) => {
  const before = process.env.VMLAB_CLI_TIMEOUT_SCALE
  process.env.VMLAB_CLI_TIMEOUT_SCALE = 'probe=0.05'
  t.teardown(() => {
    if (before === undefined) delete process.env.VMLAB_CLI_TIMEOUT_SCALE
    else process.env.VMLAB_CLI_TIMEOUT_SCALE = before
  })
  const h = simHost(t, { VMLAB_SIM_HANG: '--version' })
  const error = await h
    .provider()
    .detect()
    .catch((e: unknown) => e)
  t.type(error, CommandTimeoutError, 'not taken for a broken installation')
  t.match(error, { message: /VBoxManage --version: did not finish within 1\.5 s; stopped it$/, hint: /VBoxSVC.* may be wedged/ })
})
