import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../../src/util/run.js'
import { InputError } from '../../src/util/errors.js'
import { blobType, hostKeyAlgorithms, parsePublicKey } from '../../src/guest/host-key.js'
import { keygen } from '../helpers/sshd.js'

const dir = await mkdtemp(join(tmpdir(), 'vmlab-hostkey-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

t.test('fingerprints match ssh-keygen -l', async (t) => {
  const key = await keygen(dir, 'k1')
  const pinned = parsePublicKey(key.public)
  t.equal(pinned.type, 'ssh-ed25519')
  t.equal(blobType(pinned.blob), 'ssh-ed25519')
  await writeFile(join(dir, 'k1.pub'), `${key.public}\n`)
  const listed = await run('ssh-keygen', ['-l', '-f', join(dir, 'k1.pub')])
  t.equal(listed.stdout.split(' ')[1], pinned.fingerprint)
})

t.test('malformed lines are refused', async (t) => {
  t.throws(() => parsePublicKey(''), InputError)
  t.throws(() => parsePublicKey('ssh-ed25519'), InputError)
  const key = await keygen(dir, 'k2')
  const data = key.public.split(' ')[1]
  t.throws(() => parsePublicKey(`ssh-rsa ${data}`), { message: /not an OpenSSH public key/ }, 'type and blob disagree')
})

t.test('only the pinned type is offered; RSA in its SHA-2 forms first', async (t) => {
  t.same(hostKeyAlgorithms('ssh-ed25519'), ['ssh-ed25519'])
  t.same(hostKeyAlgorithms('ssh-rsa'), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'])
})
