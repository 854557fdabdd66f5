/** The key of a base built from a cloud image: the image's content, the packages baked in and the lab's passwords. */
import t from 'tap'
import { parseLab, type LoadedLab } from '../../src/lab/load.js'
import { planBase } from '../../src/engine/base.js'
import type { LabCredentials } from '../../src/engine/credentials.js'

const TEXT = `name: cloud
os: debian12
provider: qemu
network: { cidr: 192.168.56.0/24 }
install: { image: cloud.qcow2 }
nodes: [{ name: master }, { name: node1 }]
`

function loaded(text = TEXT): LoadedLab {
  return { displayName: 'lab.yaml', path: '/labs/lab.yaml', filesDir: '/labs', stateDir: '/labs/.lab/cloud', lab: parseLab(text, 'lab.yaml') }
}

const creds = {
  secrets: { rootPasswordHash: '$6$a$root', userPasswordHash: '$6$a$user' },
  privateKey: 'k',
  publicKey: 'ssh-ed25519 AAAA lab',
  privateKeyPath: '/k',
} as unknown as LabCredentials

const A = { path: '/labs/cloud.qcow2', sha256: 'a'.repeat(64) }
const B = { path: '/labs/cloud.qcow2', sha256: 'b'.repeat(64) }

t.test('the image hash is in the key: a changed image gives a new base', async (t) => {
  const a = planBase(loaded(), 'qemu', creds, [], undefined, A)
  t.equal(planBase(loaded(), 'qemu', creds, [], undefined, { ...A, path: '/elsewhere/moved.qcow2' }).key, a.key, 'moving the file changes nothing')
  t.not(planBase(loaded(), 'qemu', creds, [], undefined, B).key, a.key)
  t.match(a.name, /^vmlab-base-debian12-/)
  t.equal(a.kickstart, undefined)
  t.same(a.cloudImage, {
    kind: 'cloud-image',
    image: A.path,
    sha256: A.sha256,
    seed: { instanceId: 'vmlab-base-cloud', packages: [], rootPasswordHash: '$6$a$root', user: { name: 'lab', passwordHash: '$6$a$user', sudo: true } },
  })
})

t.test('baked packages, passwords and disk size are in the key too', async (t) => {
  const key = planBase(loaded(), 'qemu', creds, [], undefined, A).key
  const chrony = planBase(loaded(), 'qemu', creds, ['chrony'], undefined, A)
  t.not(chrony.key, key)
  t.same(chrony.cloudImage!.seed.packages, ['chrony'])
  t.not(planBase(loaded(), 'qemu', { ...creds, secrets: { ...creds.secrets, rootPasswordHash: '$6$b$root' } }, [], undefined, A).key, key)
  t.not(planBase(loaded(TEXT.replace('provider: qemu', 'provider: qemu\ndefaults: { disk: 40 }')), 'qemu', creds, [], undefined, A).key, key)
  t.equal(planBase(loaded(), 'qemu', creds, [], undefined, A).key, key, 'and the same inputs give the same key')
})

t.test('a lab without install.image keeps the key it had (no image field)', async (t) => {
  const plain = loaded(TEXT.replace('install: { image: cloud.qcow2 }\n', ''))
  const p = planBase(plain, 'qemu', creds, ['chrony'])
  t.equal(p.cloudImage, undefined)
  const { createHash } = await import('node:crypto')
  const expected = createHash('sha256')
    .update(JSON.stringify({ os: 'debian12', provider: 'qemu', disk: 20, kickstart: null, packages: ['chrony'], lab: 'cloud' }))
    .digest('hex')
  t.equal(p.key, expected)
})

t.test('planning an image lab without its hash is a bug, said so', async (t) => {
  t.throws(() => planBase(loaded(), 'qemu', creds, []), /cloud image was not hashed/)
})

t.test("a Debian base built as an image installs the lab's install.packages too, and they are in its key", async (t) => {
  const plain = loaded(TEXT.replace('install: { image: cloud.qcow2 }\n', ''))
  const withTools = loaded(TEXT.replace('install: { image: cloud.qcow2 }', 'install: { packages: [nftables, docker-compose] }'))
  t.not(planBase(withTools, 'qemu', creds, ['chrony']).key, planBase(plain, 'qemu', creds, ['chrony']).key)
  const { createHash } = await import('node:crypto')
  const expected = createHash('sha256')
    .update(JSON.stringify({ os: 'debian12', provider: 'qemu', disk: 20, kickstart: null, packages: ['chrony', 'docker-compose', 'nftables'], lab: 'cloud' }))
    .digest('hex')
  t.equal(planBase(withTools, 'qemu', creds, ['chrony']).key, expected)
})
