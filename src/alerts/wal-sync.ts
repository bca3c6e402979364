import { closeSync, fdatasync, fsync, open, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { IotIdsError } from '../errors.js';

/**
 * Makes an SQLite WAL durable without blocking the event loop: `sync()` fdatasyncs the `-wal` file on
 * libuv's thread pool. Calls that arrive while a sync is running share the next one (group commit), so a
 * burst of commits costs two syncs, not one per commit. This is what `PRAGMA synchronous=FULL` adds to
 * NORMAL in WAL mode (a WAL sync after every commit), done asynchronously.
 */
export class WalSync {
  private fd: number | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private directorySynced = false;
  private closed = false;

  constructor(private readonly walPath: string) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (this.closed) return Promise.reject(new IotIdsError(`${this.walPath}: closed`));
    if (!this.running) {
      this.running = this.flush().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    // A sync is under way but may have started before this commit: queue one more, shared by all callers.
    this.next ??= this.running
      .catch(() => {})
      .then(() => {
        this.next = null;
        return this.sync();
      });
    return this.next;
  }

  /** Closes the file; syncs still running finish on their own. */
  close(): void {
    this.closed = true;
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      // A datasync in flight holds its own reference in libuv; close once it is done.
      if (this.running) void this.running.catch(() => {}).finally(() => closeSync(fd));
      else closeSync(fd);
    }
  }

  private async flush(): Promise<void> {
    // The WAL exists once the first write transaction committed, and SQLite keeps the same file (inode)
    // while the database is open, so one descriptor serves for the store's lifetime.
    if (this.fd === null) {
      const fd = await new Promise<number | null>((resolve, reject) =>
        open(this.walPath, 'r', (error, opened) =>
          // No WAL yet means nothing was committed through it: nothing to sync.
          error ? (error.code === 'ENOENT' ? resolve(null) : reject(error)) : resolve(opened),
        ),
      );
      if (fd === null) return;
      this.fd = fd;
    }
    const fd = this.fd;
    await new Promise<void>((resolve, reject) =>
      fdatasync(fd, (error) => (error ? reject(error) : resolve())),
    );
    if (!this.directorySynced) {
      // Once: the WAL file's directory entry must survive a power loss too.
      const dir = openSync(dirname(this.walPath), 'r');
      try {
        await new Promise<void>((resolve, reject) =>
          fsync(dir, (error) => (error ? reject(error) : resolve())),
        );
      } finally {
        closeSync(dir);
      }
      this.directorySynced = true;
    }
  }
}
