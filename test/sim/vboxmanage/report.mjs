// Everything the simulator prints goes through a Report: it keeps stdout and stderr apart,
// spells errors the way VBoxManage's CHECK_ERROR / progress macros do, and converts line
// ends for Windows when the command finishes.

/** Thrown to end a command once its output is written; `code` is VBoxManage's exit code. */
export class Exit extends Error {
  constructor(code) {
    super(`exit ${code}`)
    this.code = code
  }
}

export class Report {
  constructor(conv, version) {
    this.conv = conv
    this.version = version
    this.stdout = ''
    this.stderr = ''
  }

  /** One stdout line (RTPrintf). */
  line(text = '') {
    this.stdout += `${text}\n`
  }

  out(text) {
    this.stdout += text
  }

  errRaw(text) {
    this.stderr += text
  }

  /** RTMsgError: "VBoxManage: error: text" on stderr. */
  msg(text) {
    this.stderr += `${this.conv.prog}: error: ${text}\n`
  }

  /**
   * The three lines of CHECK_ERROR: message, Details (with callee), Context with the call as
   * written in the VBoxManage source and the source line.
   */
  api({ message, hr, component, iface, call, file, line }) {
    this.msg(message)
    this.msg(`Details: code ${this.conv.hresult(hr)}, component ${component}, interface ${iface}, callee ${this.conv.callee}`)
    this.msg(`Context: "${call}" at line ${line} of file ${file}`)
  }

  /** An API failure without error info: "Code X - text (extended info not available)". */
  apiNoInfo({ hr, call, file, line }) {
    this.msg(`Code ${this.conv.hresult(hr)} - ${this.conv.hresultText(hr)} (extended info not available)`)
    this.msg(`Context: "${call}" at line ${line} of file ${file}`)
  }

  fail(details) {
    this.api(details)
    throw new Exit(1)
  }

  /** showProgress() for an operation that succeeds. */
  progress() {
    this.stderr += '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n'
  }

  /**
   * showProgress() for an operation that fails at `percent`, then CHECK_PROGRESS_ERROR: the
   * operation's title, the error info (Details without callee) and the handler as Context.
   */
  progressFailure({ percent = 0, hr, title, message, component, iface, handler, file, line }) {
    let dots = ''
    for (let p = 0; p <= percent; p += 10) dots += `${p}%...`
    if (this.version.major >= 7) this.stderr += `${dots}${this.conv.hresultName(hr)}\n`
    else this.stderr += `${dots}\nProgress state: ${this.conv.hresultName(hr)}\n`
    this.msg(title)
    this.msg(message)
    this.msg(`Details: code ${this.conv.hresult(hr)}, component ${component}, interface ${iface}`)
    this.msg(`Context: "${this.conv.handlerSignature(handler)}" at line ${line} of file ${file}`)
    throw new Exit(1)
  }

  flush() {
    const eol = this.conv.eol
    const convert = (text) => (eol === '\n' ? text : text.replace(/\n/g, eol))
    if (this.stdout) process.stdout.write(convert(this.stdout))
    if (this.stderr) process.stderr.write(convert(this.stderr))
  }
}

/** The source line of a call in VBoxManage 7.x or 6.x (they moved between releases). */
export function srcLine(version, seven, six) {
  return version.major >= 7 ? seven : six
}
