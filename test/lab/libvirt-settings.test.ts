/** The lab file's `libvirt:` block: its defaults, its checks with line and column, and where it belongs. */
import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { LabFileError, type Problem } from '../../src/lab/problems.js'
import { chooseProvider } from '../../src/engine/lab-plan.js'

function text(provider: string, block = ''): string {
  return `name: lv\nos: debian12\nprovider: ${provider}\n${block}network:\n  cidr: 192.168.150.0/24\nnodes:\n  - name: master\n`
}

function problemsOf(source: string): Problem[] {
  try {
    parseLab(source, 'lab.yaml')
  } catch (err) {
    if (err instanceof LabFileError) return err.problems
    throw err
  }
  return []
}

t.test('defaults: the local system daemon and its default pool', async (t) => {
  t.same(parseLab(text('libvirt', 'libvirt: {}\n'), 'lab.yaml').libvirt, { uri: 'qemu:///system', pool: 'default' })
  t.same(parseLab(text('libvirt', 'libvirt: { uri: "qemu+ssh://teacher@lab1.school.example/system", pool: class, network: classnet }\n'), 'lab.yaml').libvirt, {
    uri: 'qemu+ssh://teacher@lab1.school.example/system',
    pool: 'class',
    network: 'classnet',
  })
  t.equal(parseLab(text('libvirt'), 'lab.yaml').libvirt, undefined, 'no block: the provider takes the defaults')
})

t.test('what validate rejects in the block, where', async (t) => {
  t.match(problemsOf(text('libvirt', 'libvirt: { uri: "xen:///system" }\n')), [{ path: ['libvirt', 'uri'], line: 4, hint: /qemu\+ssh:\/\/USER@HOST\/system/ }])
  t.match(problemsOf(text('libvirt', 'libvirt: { pool: "my pool" }\n')), [{ path: ['libvirt', 'pool'], hint: /storage pool name/ }])
  t.match(problemsOf(text('libvirt', 'libvirt: { url: "qemu:///system" }\n')), [{ path: ['libvirt', 'url'], message: /unknown key/ }])
  t.match(problemsOf(text('qemu', 'libvirt: { uri: "qemu:///system" }\n')), [
    { path: ['libvirt'], line: 4, message: "read by provider: libvirt only, and this lab's provider is qemu", hint: /set provider: libvirt/ },
  ])
  t.same(problemsOf(text('libvirt', 'libvirt: { uri: "test:///default", pool: default-pool }\n')), [])
})

t.test('provider: auto never guesses libvirt (its host must be named); --provider libvirt is taken', async (t) => {
  const loaded = { lab: parseLab(text('auto'), 'lab.yaml') } as Parameters<typeof chooseProvider>[0]
  t.same(chooseProvider(loaded), { name: 'qemu', chosen: 'auto' })
  t.same(chooseProvider(loaded, 'libvirt'), { name: 'libvirt', chosen: 'flag' })
})

t.test("a libvirt node's seed routes and resolves through the host's address on the lab's NAT network", async (t) => {
  const { identityFor } = await import('../../src/engine/node-identity.js')
  const { generateHostKeys } = await import('../../src/media/ssh-keys.js')
  const lab = parseLab(text('libvirt'), 'lab.yaml')
  const creds = { publicKey: 'ssh-ed25519 AAAA test', privateKey: '', privateKeyPath: '', secrets: {} } as unknown as Parameters<typeof identityFor>[3]
  const keys = generateHostKeys('master.localdomain')
  const id = identityFor(lab, lab.nodes[0]!, 'libvirt', creds, keys)
  t.equal(id.gateway, '192.168.150.1')
  t.same(id.dns, ['192.168.150.1'])
  const qemu = identityFor(lab, lab.nodes[0]!, 'qemu', creds, keys)
  t.equal(qemu.gateway, undefined, 'QEMU nodes go out through their own NAT NIC')
})
