/**
 * A Windows user folder ("C:\Users\Zoë Li\Labs dir"): a lab in a folder with spaces and non-ASCII letters.
 * The lab file is found (as an argument and as ./lab.yaml), the state folder and the ISO cache live there,
 * the hypervisor commands take each such path as one argument, and OpenSSH gets it quoted.
 */
import t, { type Test } from 'tap'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { sshConfigValue } from '../../src/util/ssh-config-value.js'

function oddLab(t: Test) {
  const root = t.testdir({})
  const dir = join(root, 'Zoë Li', 'Labs dir')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'lab.yaml'), 'name: odd\nos: rocky9\nnetwork: { cidr: 192.168.56.0/24 }\nnodes: [{ name: master }, { name: node1 }]\n')
  const env = { VMLAB_CACHE_DIR: join(dir, 'cache'), VMLAB_VBOX_VM_FOLDER: join(dir, 'VirtualBox VMs') }
  return { root, dir, env }
}

t.test('validate finds the lab from the folder and by a path through it', async (t) => {
  const { root, dir, env } = oddLab(t)
  const here = await lab(['validate'], { cwd: dir, env })
  t.same([here.code, here.stdout], [0, 'OK: lab.yaml: lab "odd", rocky9, 2 nodes, 0 modules, 0 checks\n'], here.stderr)
  const by = await lab(['validate', join('Zoë Li', 'Labs dir', 'lab.yaml'), '--json'], { cwd: root, env })
  t.equal(by.code, 0, by.stderr)
  t.same(JSON.parse(by.stdout), { file: join('Zoë Li', 'Labs dir', 'lab.yaml'), valid: true, problems: [] })
})

t.test('plan --commands: every path with a space is one argument of VBoxManage', async (t) => {
  const { dir, env } = oddLab(t)
  const r = await lab(['plan', '--commands', '--provider', 'virtualbox'], { cwd: dir, env })
  t.equal(r.code, 0, r.stderr)
  const vms = join(dir, 'VirtualBox VMs')
  t.match(r.stdout, `--basefolder '${vms}'`, 'the VM folder, quoted whole')
  t.match(r.stdout, `--medium '${join(dir, 'cache', 'isos')}/`, 'the cached ISO')
  t.notMatch(r.stdout, / Li\/Labs(?! dir)/, 'never split at a space')
})

t.test('kickstart writes into a folder with a space; the state folder is there, private', async (t) => {
  const { dir, env } = oddLab(t)
  const r = await lab(['kickstart', '--out', 'ks out', '--json'], { cwd: dir, env })
  t.equal(r.code, 0, r.stderr)
  const j = JSON.parse(r.stdout) as { files: string[] }
  t.same(
    j.files,
    ['base.cfg', 'master.cfg', 'node1.cfg'].map((f) => join(dir, 'ks out', f)),
  )
  t.match(readFileSync(j.files[1]!, 'utf8'), /--hostname=master/)
  t.equal(statSync(join(dir, '.lab', 'odd', 'secrets.json')).mode & 0o777, 0o600)
  t.equal(statSync(join(dir, '.lab', 'odd', 'keys')).mode & 0o777, 0o700)
  const text = await lab(['kickstart', '--out', 'ks out'], { cwd: dir, env })
  t.equal(text.stdout, `${join('ks out', 'base.cfg')}\n${join('ks out', 'master.cfg')}\n${join('ks out', 'node1.cfg')}\n`)
})

t.test('the ISO cache in such a folder', async (t) => {
  const { dir, env } = oddLab(t)
  const r = await lab(['iso', 'list', '--json'], { cwd: dir, env })
  t.equal(r.code, 0, r.stderr)
  t.equal((JSON.parse(r.stdout) as { cacheDir: string }).cacheDir, join(dir, 'cache', 'isos'))
})

t.test('OpenSSH config values: a path with a space in double quotes, others as they are', async (t) => {
  t.equal(sshConfigValue('/home/zoe/.lab/odd/keys/id_ed25519'), '/home/zoe/.lab/odd/keys/id_ed25519')
  t.equal(sshConfigValue('C:\\Users\\Zoë Li\\Labs dir\\.lab\\odd\\known_hosts'), '"C:\\Users\\Zoë Li\\Labs dir\\.lab\\odd\\known_hosts"')
})
