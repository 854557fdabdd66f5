/**
 * The lab switch is up when its daemon's pid file appears, which may be after the starting command returned
 * (vde_switch -d writes it from the daemon). A fake vde_switch that writes it late stands in for a busy machine.
 */
import t from 'tap'
import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { realRunner } from '../../src/providers/cli-runner.js'
import { ensureVdeSwitch, stopVdeSwitch } from '../../src/providers/qemu/vde-network.js'

t.test('a pid file written after vde_switch -d returned is waited for', async (t) => {
  const dir = t.testdir({ networks: {} })
  const fake = join(dir, 'vde_switch')
  // Arguments: -s CTL -d -p PIDFILE -m MODE. The "daemon" makes its socket folder entry and writes its pid 0.7 s later.
  writeFileSync(fake, '#!/bin/sh\nctl="$2"; pid="$5"\nmkdir -p "$ctl"\n( sleep 0.7; sh -c \'echo $$ > "$1"; exec sleep 60\' _ "$pid" ) >/dev/null 2>&1 &\nexit 0\n', { mode: 0o755 })
  const r = await ensureVdeSwitch(realRunner, fake, join(dir, 'networks'), 'slow')
  t.same(r.created, true)
  const pid = Number(readFileSync(join(dir, 'networks', 'slow', 'vde_switch.pid'), 'utf8'))
  t.ok(pid > 0, 'the switch is running')
  await stopVdeSwitch(join(dir, 'networks'), 'slow')
  t.throws(() => process.kill(pid, 0), 'stopped')
})
