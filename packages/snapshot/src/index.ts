export {
  BundleError,
  type BundleOptions,
  type BundleResult,
  bundleForSnapshot,
  DEFERRED_PACKAGES,
} from './bundle.js';
export { buildSnapshot, SnapshotError, type SnapshotOptions, snapshotArgv } from './snapshot.js';
