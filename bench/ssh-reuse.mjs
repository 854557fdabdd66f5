#!/usr/bin/env node
// What reusing one SSH connection per node saves: a command on an open connection against a
// fresh connection (TCP, key exchange, login) for each command, on a local OpenSSH server.
// Needs root and openssh-server. Usage: npx tsx bench/ssh-reuse.mjs [runs]
import { GuestSession } from '../src/guest/session.ts'
import { createSshd, SUDO_USER } from '../test/helpers/sshd.ts'

const runs = Number(process.argv[2] ?? 30)
const sshd = await createSshd()
await sshd.start()
// A user whose login shell is plain sh: root's shell profile on a dev machine would dominate the figures.
const options = {
  name: 'bench',
  host: sshd.host,
  port: sshd.port,
  user: SUDO_USER,
  privateKey: sshd.userKey.private,
  hostKey: sshd.hostKey.public,
}

function summary(times) {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return `median ${at(0.5).toFixed(1)} ms, p90 ${at(0.9).toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms`
}

async function timed(fn) {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

try {
  const fresh = []
  for (let i = 0; i < runs; i++) {
    fresh.push(
      await timed(async () => {
        const s = await GuestSession.connect(options)
        await s.exec('true')
        s.close()
      }),
    )
  }
  const session = await GuestSession.connect(options)
  const reused = []
  for (let i = 0; i < runs; i++) reused.push(await timed(() => session.exec('true')))
  const connections = sshd.connections()
  session.close()
  console.log(`runs: ${runs}`)
  console.log(`new connection + exec: ${summary(fresh)}`)
  console.log(`exec on one connection: ${summary(reused)}`)
  console.log(`TCP connections sshd accepted: ${connections} (${runs} fresh + 1 reused)`)
} finally {
  await sshd.destroy()
}
