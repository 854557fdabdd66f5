#!/usr/bin/env node
// A stand-in for qemu-system-x86_64 in unit tests: a QMP server that answers the way QEMU 7.2
// does (greeting, capabilities negotiation, ids echoed, events before replies, "\r\n" line
// ends, HMP errors as text), and, run as a program, the pid file and exit behaviour of a VM.
//   FAKE_QEMU_FAIL=1          print a QEMU-style error and exit 1 at once
//   FAKE_QEMU_POWERDOWN=exit  exit on system_powerdown (a guest that shuts down); default: ignore
//   FAKE_QEMU_QUIT=ignore     ignore `quit` (a wedged QEMU that only SIGKILL stops)
import { createServer } from 'node:net'
import { rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const GREETING = {
  QMP: { version: { qemu: { micro: 22, minor: 2, major: 7 }, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' }, capabilities: ['oob'] },
}

function event(name, data) {
  const now = Date.now()
  return { timestamp: { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 }, event: name, ...(data ? { data } : {}) }
}

/**
 * Serves QMP on a unix socket. `vm` holds the state ({ running, snapshots: Set }); `handlers`
 * may add or override commands: (args, vm, emit) => return value, or throw { class, desc }.
 */
export function serveFakeQmp(path, { handlers = {}, vm = { running: true, snapshots: new Set() }, log = [] } = {}) {
  const server = createServer((socket) => {
    let negotiated = false
    let buffer = ''
    const send = (msg) => socket.write(JSON.stringify(msg) + '\r\n')
    const emit = (name, data) => send(event(name, data))
    const builtin = {
      'query-status': () => ({ status: vm.running ? 'running' : 'paused', singlestep: false, running: vm.running }),
      cont: () => {
        vm.running = true
        emit('RESUME')
        return {}
      },
      stop: () => {
        vm.running = false
        emit('STOP')
        return {}
      },
      'human-monitor-command': (args) => {
        const [cmd, name] = String(args['command-line']).split(/\s+/)
        if (cmd === 'savevm') {
          emit('STOP')
          vm.snapshots.add(name)
          emit('RESUME')
          return ''
        }
        if (cmd === 'loadvm') {
          const wasRunning = vm.running
          vm.running = false
          emit('STOP')
          if (!vm.snapshots.has(name)) return `Error: Snapshot '${name}' does not exist in one or more devices\r\n`
          if (wasRunning) {
            vm.running = true
            emit('RESUME')
          }
          return ''
        }
        if (cmd === 'delvm') {
          if (!vm.snapshots.delete(name)) return `Error: Snapshot '${name}' not found\r\n`
          return ''
        }
        return `unknown command: '${cmd}'\r\n`
      },
    }
    send(GREETING)
    socket.setEncoding('utf8')
    socket.on('error', () => {})
    socket.on('data', (chunk) => {
      buffer += chunk
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim()
        buffer = buffer.slice(nl + 1)
        if (!line) continue
        const msg = JSON.parse(line)
        log.push(msg)
        const reply = (body) => send({ ...body, ...(msg.id !== undefined ? { id: msg.id } : {}) })
        if (msg.execute === 'qmp_capabilities') {
          negotiated = true
          reply({ return: {} })
          continue
        }
        if (!negotiated) {
          reply({ error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } })
          continue
        }
        const handler = handlers[msg.execute] ?? builtin[msg.execute]
        if (!handler) {
          reply({ error: { class: 'CommandNotFound', desc: `The command ${msg.execute} has not been found` } })
          continue
        }
        try {
          reply({ return: handler(msg.arguments ?? {}, vm, emit, socket) })
        } catch (e) {
          reply({ error: { class: e.class ?? 'GenericError', desc: e.desc ?? String(e) } })
        }
      }
    })
  })
  return new Promise((resolve) => server.listen(path, () => resolve(server)))
}

function argAfter(argv, flag) {
  const i = argv.indexOf(flag)
  return i >= 0 ? argv[i + 1] : undefined
}

async function main() {
  const argv = process.argv.slice(2)
  if (process.env.FAKE_QEMU_FAIL === '1') {
    process.stderr.write("qemu-system-x86_64: -drive file=missing.qcow2,if=virtio,format=qcow2: Could not open 'missing.qcow2': No such file or directory\n")
    process.exit(1)
  }
  const pidFile = argAfter(argv, '-pidfile')
  const qmp = /^unix:(.*),server=on,wait=off$/.exec(argAfter(argv, '-qmp') ?? '')?.[1]?.replace(/,,/g, ',')
  if (!pidFile || !qmp) {
    process.stderr.write('fake-qemu: needs -pidfile and -qmp unix:PATH,server=on,wait=off\n')
    process.exit(1)
  }
  const exit = () => {
    rmSync(pidFile, { force: true })
    process.exit(0)
  }
  await serveFakeQmp(qmp, {
    handlers: {
      system_powerdown: (_args, _vm, emit) => {
        emit('POWERDOWN')
        if (process.env.FAKE_QEMU_POWERDOWN === 'exit') setTimeout(exit, 300)
        return {}
      },
      quit: () => {
        if (process.env.FAKE_QEMU_QUIT !== 'ignore') setTimeout(exit, 50)
        return {}
      },
    },
  })
  writeFileSync(pidFile, `${process.pid}\n`)
  process.on('SIGTERM', exit)
  process.stdout.write('fake-qemu: running\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
