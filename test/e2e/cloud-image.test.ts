/**
 * A lab from a user's cloud image, for real: `install.image` points at a stock-like Debian cloud image (built
 * here, cached; it has cloud-init and no vmlab identity agent), `lab up` makes the base from it (first boot:
 * cloud-init runs, cleans itself, powers off) and two linked clones whose identity only cloud-init
 * applies from their seed discs. Checked from inside: host names, lab addresses by MAC, machine-ids, the
 * pinned host keys (a wrong pin is refused), cloud-init finished without errors; the user's file unchanged; a
 * second `lab up` does nothing; `lab destroy` leaves no process and no VM file. Timings are printed.
 *
 * Needs what .ci/run installs (qemu-system-x86, qemu-utils, vde-switch, and to build the image once:
 * debootstrap, fdisk, dosfstools, mtools, syslinux, root).
 */
import t from 'tap'
import { readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { stockCloudImage } from '../helpers/stock-cloud-image.js'
import { sha256File } from '../../src/engine/cloud-image.js'
import { which } from '../../src/util/which.js'
import { stopwatch } from '../helpers/stopwatch.js'
import { assertNoQemuLeft, processesMentioning } from '../helpers/lab-processes.js'

t.setTimeout(60 * 60_000)

const missing = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['qemu-img', 'qemu-utils'],
  ['vde_switch', 'vde-switch'],
].filter(([tool]) => which(tool!, ['/usr/sbin', '/sbin']) === undefined)
if (missing.length) throw new Error(`the cloud image test needs: apt-get install ${missing.map(([, p]) => p).join(' ')}`)

const { timings, timed } = stopwatch()

const image = await timed('image', () => stockCloudImage({ onProgress: (m) => t.comment(`stock image: ${m}`) }))
t.comment(image.built ? `stock cloud image built in ${(image.buildMs / 1000).toFixed(0)} s` : `stock cloud image from the cache: ${image.path}`)
const imageSha = await sha256File(image.path)
const imageMtime = statSync(image.path).mtimeMs

const dir = t.testdir({})
const qemuDir = join(dir, 'qemu')
const env = { VMLAB_QEMU_DIR: qemuDir }
writeFileSync(
  join(dir, 'lab.yaml'),
  `name: cloudlab
os: debian12
provider: qemu
network: { cidr: 192.168.57.0/24 }
defaults: { cpus: 1, memory: 1024, disk: 8 }
install: { image: ${JSON.stringify(image.path)} }
nodes:
  - name: master
  - name: node1
# Only hosts: a module that bakes packages (chrony) makes the base's first boot run apt-get update and an
# install under emulation, about four minutes more; that path was run by hand (see the issue note) and its
# seed is checked by \`cloud-init schema\` in test/providers/qemu-cloud-image.test.ts.
modules:
  - hosts
`,
)
const keyDir = join(dir, '.lab', 'cloudlab', 'keys', 'hosts')

async function step(name: string, args: string[], timeoutMs = 40 * 60_000) {
  return timed(name, () => lab(args, { cwd: dir, env, timeoutMs }))
}

/** stdout of one command on one node. */
async function on(node: string, script: string): Promise<{ code: number; out: string }> {
  const r = await lab(['exec', node, '--', 'sh', '-c', script], { cwd: dir, env, timeoutMs: 120_000 })
  return {
    code: r.code,
    out: r.stdout
      .split('\n')
      .map((l) => l.replace(/^[^|]*\|\s?/, ''))
      .join('\n')
      .trim(),
  }
}

t.teardown(async () => {
  if (processesMentioning(qemuDir).length) await lab(['destroy', '--force'], { cwd: dir, env, timeoutMs: 120_000 })
  t.comment(
    `timings (s): ${Object.entries(timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
      .join(', ')}`,
  )
})

t.test('lab up builds the base from the cloud image and two clones', async (t) => {
  const r = await step('up', ['up'])
  t.equal(r.code, 0, `${r.stdout}\n${r.stderr.split('\n').slice(-40).join('\n')}`)
  t.match(r.stdout, /lab is up in [\d.]+ s: base built, 2 nodes created, modules \d+ ok \/ \d+ changed \/ 0 failed, snapshot "ready" taken/)
})

t.test('cloud-init gave every node its identity from the seed', async (t) => {
  const seen: Record<string, string[]> = {}
  for (const [node, ip] of [
    ['master', '192.168.57.10'],
    ['node1', '192.168.57.11'],
  ] as const) {
    const r = await on(node, 'hostname -f; cat /etc/machine-id; ip -4 -o addr show eth1 | awk "{print \\$4}"; test -e /usr/local/sbin/vmlab-identity && echo agent || echo no-agent')
    t.equal(r.code, 0, r.out)
    const [fqdn, machineId, addr, agent] = r.out.split('\n')
    t.equal(fqdn, `${node}.localdomain`)
    t.equal(addr, `${ip}/24`, 'the static lab address, on the NIC matched by its MAC')
    t.equal(agent, 'no-agent', 'a stock image: cloud-init did it all')
    seen[node] = [machineId!]
    // SSH answers while cloud-init may still be in its last stage on a loaded host: wait for its end.
    const status = await on(node, 'cloud-init status --wait --long; echo "exit $?"')
    t.match(status.out, /^status: done$/m, status.out)
    t.match(status.out, /^exit 0$/m, 'cloud-init finished without errors')
    const hostKey = await on(node, 'cat /etc/ssh/ssh_host_ed25519_key.pub')
    t.equal(
      hostKey.out.split(' ').slice(0, 2).join(' '),
      readFileSync(join(keyDir, `${node}_ssh_host_ed25519_key.pub`), 'utf8')
        .trim()
        .split(' ')
        .slice(0, 2)
        .join(' '),
      'the host key lab generated',
    )
  }
  t.not(seen.master![0], seen.node1![0], 'machine-ids differ')
  t.match(seen.master![0], /^[0-9a-f]{32}$/)
  const ping = await on('master', 'ping -c 1 -W 5 node1.localdomain >/dev/null && echo reached')
  t.equal(ping.out, 'reached', 'master reaches node1 by name over the lab LAN')
})

t.test('a wrong pinned host key is refused', async (t) => {
  const pub = join(keyDir, 'node1_ssh_host_ed25519_key.pub')
  const saved = readFileSync(pub, 'utf8')
  copyFileSync(join(keyDir, 'master_ssh_host_ed25519_key.pub'), pub)
  try {
    const r = await lab(['exec', 'node1', '--', 'true'], { cwd: dir, env, timeoutMs: 120_000 })
    t.not(r.code, 0)
    t.match(r.stderr, /not the one lab generated/)
  } finally {
    writeFileSync(pub, saved)
  }
})

t.test("the user's image file was not written", async (t) => {
  t.equal(statSync(image.path).mtimeMs, imageMtime)
  t.equal(await sha256File(image.path), imageSha)
})

t.test('a second lab up finds nothing to do', async (t) => {
  const r = await step('second up', ['up'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /base reused, 0 nodes created, modules applied already/)
})

t.test('destroy leaves nothing behind', async (t) => {
  const r = await step('destroy', ['destroy', '--force'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /removed 3 VMs/)
  assertNoQemuLeft(t, qemuDir)
})
