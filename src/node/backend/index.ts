/** Node backend selection and the native addon (re-exported by 'lmkit/node'). */
export {
  selectNodeBackend, registerNodeBackends, backendReport, describeBackend, setNumThreads, getNumThreads,
  type BackendReport, type BackendName,
} from './select.js';
export { loadNativeBackend, NATIVE_ADDON_PATH, type NativeBackend, type NativeInfo, type LoadNativeOptions } from './native.js';
