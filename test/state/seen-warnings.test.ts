/** A warning about this machine is told once per host: remembered in a per-user file only its owner reads. */
import t from 'tap'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { firstTime, userStateDir } from '../../src/state/seen-warnings.js'

t.test('told the first time only, per message; the file is 0600 in a 0700 folder', async (t) => {
  const dir = join(t.testdir({}), 'state', 'vmlab')
  t.equal(firstTime('KVM is not usable — boots are slow', dir), true)
  t.equal(firstTime('KVM is not usable — boots are slow', dir), false, 'not again')
  t.equal(firstTime('another warning', dir), true, 'another message is told')
  t.equal(statSync(join(dir, 'warnings-seen.json')).mode & 0o777, 0o600)
  t.equal(statSync(dir).mode & 0o777, 0o700)
})

t.test('a folder that cannot be written: told every time, no error', async (t) => {
  const file = join(t.testdir({ f: 'x' }), 'f')
  t.equal(firstTime('w', join(file, 'sub')), true)
  t.equal(firstTime('w', join(file, 'sub')), true)
})

t.test('where the file lives on each platform', async (t) => {
  t.equal(userStateDir({}, 'linux', '/home/a'), '/home/a/.local/state/vmlab')
  t.equal(userStateDir({ XDG_STATE_HOME: '/x' }, 'linux', '/home/a'), '/x/vmlab')
  t.equal(userStateDir({ VMLAB_STATE_HOME: '/s' }, 'linux', '/home/a'), '/s')
  t.equal(userStateDir({}, 'darwin', '/Users/a'), '/Users/a/Library/Application Support/vmlab')
})
