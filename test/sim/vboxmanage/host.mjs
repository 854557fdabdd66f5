// What differs between the host platforms in VBoxManage's own output: the program name in
// messages, line ends, COM naming (XPCOM on Linux/macOS, MS COM on Windows) and how the C++
// compiler spells a function signature in "Context:" lines of progress errors.

// HRESULT values with their XPCOM and Windows names; VBOX_E_* are the same everywhere.
const HRESULTS = {
  VBOX_E_OBJECT_NOT_FOUND: { value: 0x80bb0001 },
  VBOX_E_INVALID_VM_STATE: { value: 0x80bb0002 },
  VBOX_E_FILE_ERROR: { value: 0x80bb0004 },
  VBOX_E_IPRT_ERROR: { value: 0x80bb0005 },
  VBOX_E_INVALID_OBJECT_STATE: { value: 0x80bb0007 },
  VBOX_E_OBJECT_IN_USE: { value: 0x80bb000c },
  E_FAIL: { value: 0x80004005, xpcom: 'NS_ERROR_FAILURE', text: { xpcom: 'Operation failed', win: 'Unspecified error' } },
  E_INVALIDARG: {
    value: 0x80070057,
    xpcom: 'NS_ERROR_INVALID_ARG',
    text: { xpcom: 'Invalid argument value', win: 'One or more arguments are invalid' },
  },
  E_ACCESSDENIED: { value: 0x80070005, text: { xpcom: 'Access denied', win: 'General access denied error' } },
}

export function hostConventions(hostOs) {
  const win = hostOs === 'windows'
  return {
    os: hostOs,
    prog: win ? 'VBoxManage.exe' : 'VBoxManage',
    eol: win ? '\r\n' : '\n',
    callee: win ? 'IUnknown' : 'nsISupports',
    /** "NS_ERROR_FAILURE (0x80004005)" on XPCOM hosts, "E_FAIL (0x80004005)" on Windows. */
    hresult(key) {
      const hr = HRESULTS[key]
      if (!hr) throw new Error(`unknown HRESULT ${key}`)
      const name = !win && hr.xpcom ? hr.xpcom : key
      return `${name} (0x${hr.value.toString(16).padStart(8, '0')})`
    },
    hresultName(key) {
      const hr = HRESULTS[key]
      return !win && hr.xpcom ? hr.xpcom : key
    },
    hresultText(key) {
      const hr = HRESULTS[key]
      return hr.text ? hr.text[win ? 'win' : 'xpcom'] : ''
    },
    /** The handler's signature as __PRETTY_FUNCTION__ prints it (GCC, clang, MSVC). */
    handlerSignature(fn) {
      if (win) return `enum RTEXITCODE __cdecl ${fn}(struct HandlerArg *)`
      if (hostOs === 'darwin') return `RTEXITCODE ${fn}(HandlerArg *)`
      return `RTEXITCODE ${fn}(HandlerArg*)`
    },
  }
}
