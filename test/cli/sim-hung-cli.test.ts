/**
 * A hypervisor CLI that never answers (a wedged VBoxSVC: VMLAB_SIM_HANG), through the `lab` CLI: lab stops by
 * itself within the call's time limit (shortened here with VMLAB_CLI_TIMEOUT_SCALE) with a message naming the
 * command and what to do, leaves no hung process and no lock behind; Ctrl-C while it waits says so and exits 130.
 */
import t, { type Test } from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { simLab, type SimLab, type SimProvider } from '../helpers/sim-lab.js'
import { labInBackground, lab as labCli } from '../helpers/cli.js'
import { processesWithEnv } from '../helpers/lab-processes.js'
import { lockedChildren } from '../helpers/kill-at.js'

t.setTimeout(300_000)

let net = 0
const NAME = 'hung'
const open = (t: Test, provider: SimProvider = 'virtualbox') => simLab(t, provider, { name: NAME, cidr: `127.81.${++net}.0/24`, nodes: ['master'] })
const lockFile = (lab: SimLab) => join(lab.dir, '.lab', NAME, 'lock')
const simProcesses = (lab: SimLab) => processesWithEnv('VMLAB_SIM_STATE', lab.env.VMLAB_SIM_STATE!)
const up = (lab: SimLab, env: NodeJS.ProcessEnv) => labCli(['up', ...lab.upArgs], { cwd: lab.dir, env: { ...lab.env, ...env }, timeoutMs: 120_000 })

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) return false
  return true
}

t.test('a hung `VBoxManage --version`: lab up stops by itself with what to do, and leaves nothing running or locked', async (t) => {
  const lab = open(t)
  const started = Date.now()
  const r = await up(lab, { VMLAB_SIM_HANG: '--version', VMLAB_CLI_TIMEOUT_SCALE: 'probe=0.1' })
  const took = Date.now() - started
  t.equal(r.code, 1, 'a failure exit')
  t.match(r.stderr, /^error: \S*VBoxManage --version: did not finish within 3 s; stopped it$/m, 'names the command and how long it waited')
  t.match(r.stderr, /^hint: VBoxSVC, VirtualBox's background service, may be wedged: run `VBoxManage list vms` by hand; if that hangs too, .* then run the command again$/m, 'says what to do')
  t.notMatch(r.stderr, /this is a bug/)
  t.ok(took < 30_000, `stopped within the shortened limit (${took} ms)`)
  t.same(simProcesses(lab), [], 'no hung VBoxManage left')
  t.notOk(existsSync(lockFile(lab)), 'no lock left for the next command to wait on')
  const next = await lab.run(['destroy', '--force'])
  t.equal(next.code, 0, next.stderr)
  t.notMatch(next.stderr, /waiting for/, 'the next command does not wait')
})

t.test('a hung long operation (createmedium): the same, with the way to give a slow host longer', async (t) => {
  const lab = open(t)
  const r = await up(lab, { VMLAB_SIM_HANG: 'createmedium', VMLAB_CLI_TIMEOUT_SCALE: 'long=0.01' })
  t.equal(r.code, 1, 'a failure exit')
  t.match(r.stderr, /^error: .*VBoxManage createmedium disk --filename \S+ .*: did not finish within 6 s; stopped it$/m)
  t.match(r.stderr, /^hint: VBoxSVC.* may be wedged: .*; if it was only slow \(a large disk, a busy host\), give it longer with VMLAB_CLI_TIMEOUT_SCALE=3$/m)
  t.notMatch(r.stderr, /this is a bug/)
  t.same(simProcesses(lab), [], 'no hung VBoxManage left')
  t.notOk(existsSync(lockFile(lab)), 'no lock left')
  const destroy = await lab.run(['destroy', '--force'])
  t.equal(destroy.code, 0, destroy.stderr)
  t.same(lab.vms(), [], 'destroy removes the half-made base VM')
})

t.test('Ctrl-C while the hypervisor is asked its version: says it was interrupted, exits 130; the next command ends the hung call at its deadline', async (t) => {
  const lab = open(t)
  const running = labInBackground(['up', ...lab.upArgs], { cwd: lab.dir, env: { ...lab.env, VMLAB_SIM_HANG: '--version', VMLAB_CLI_TIMEOUT_SCALE: 'probe=0.3' } })
  t.ok(await until(() => lockedChildren(lab.dir, NAME).some((c) => /VBoxManage --version$/.test(c.command)), 60_000), 'lab is asking VirtualBox its version')
  running.child.kill('SIGINT')
  const r = await running.done
  t.equal(r.code, 130)
  t.match(r.stderr, /^lab up interrupted \(SIGINT\) before it changed anything; run it again when you are ready$/m)
  t.match(JSON.parse(readFileSync(lockFile(lab), 'utf8')).children, [{ command: /VBoxManage --version$/, deadline: /^\d{4}-/ }], 'the hung call is left in the lock, with its deadline')
  const next = await lab.run(['destroy', '--force'])
  t.equal(next.code, 0, next.stderr)
  t.match(next.stderr, /`\S*VBoxManage --version` \(PID \d+\), left running by `lab up` \(PID \d+\), is past its time limit: ending it/, 'the next command ends it and says so')
  t.same(simProcesses(lab), [], 'no hung VBoxManage left')
})

t.test('VMware: a hung vmrun stops lab up the same way, with what to do about VMware', async (t) => {
  const lab = open(t, 'vmware')
  const r = await up(lab, { VMLAB_SIM_HANG: 'usage', VMLAB_CLI_TIMEOUT_SCALE: 'probe=0.1' })
  t.equal(r.code, 1, 'a failure exit')
  t.match(r.stderr, /^error: \S*vmrun: did not finish within 3 s; stopped it$/m)
  t.match(r.stderr, /^hint: a VM's vmware-vmx process or VMware's host service may be wedged: run `vmrun list` by hand; .* then run the command again$/m)
  t.same(simProcesses(lab), [], 'no hung vmrun left')
  t.notOk(existsSync(lockFile(lab)), 'no lock left')
})

t.test('a bad VMLAB_CLI_TIMEOUT_SCALE is bad input: told before anything is written, exit 2', async (t) => {
  const lab = open(t)
  const r = await up(lab, { VMLAB_CLI_TIMEOUT_SCALE: 'abc' })
  t.equal(r.code, 2, 'the exit code of bad input')
  t.match(r.stderr, /^error: VMLAB_CLI_TIMEOUT_SCALE="abc" is not a time limit scale$/m)
  t.match(r.stderr, /^hint: set it to a positive factor/m)
  t.notOk(existsSync(join(lab.dir, '.lab')), 'no state folder made')
})
