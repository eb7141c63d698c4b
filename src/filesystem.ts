/**
 * The filesystem driver for server-side sessions (Node).
 *
 * Available from `'sessionkit/drivers/filesystem'`.
 *
 * @module
 */
export {
  createFilesystemDriver,
  type FilesystemDriver,
  type FilesystemDriverOptions,
} from './drivers/filesystem.ts'
