// The WASI functions cpp-host offers, under both wasi_unstable and wasi_snapshot_preview1:
// stdout and stderr go to the proxy's log (info and error), clocks and random work, proc_exit
// fails the VM, and the file system answers "not supported". A module built for WASI (TinyGo,
// Rust wasm32-wasi) imports some of these; a missing one would fail instantiation.
import { randomFillSync } from 'node:crypto';
import { LIMITS, LogLevel } from './abi.js';
import { InvalidMemoryAccess } from './memory.js';
import type { Vm } from './vm.js';

/** Thrown by proc_exit so that the VM stops where it is: a VM failure, like a trap. */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code})`);
  }
}

const ESUCCESS = 0;
const EBADF = 8;
const ENOTDIR = 20;
const EFAULT = 21;
const EINVAL = 28;
const ENOENT = 44;
const ENOSYS = 52;
const ENOTSUP = 58;

type WasiFn = (...args: never[]) => number | void;

export function wasiImports(vm: Vm): Record<string, WasiFn> {
  const mem = vm.memory;
  const host = vm.host;
  const std = (fd: number) => fd === 1 || fd === 2;
  const stdOnly = (fd: number) => (std(fd) ? ESUCCESS : EBADF);

  /** cpp-host's writev: gather the iovecs, drop one trailing newline, log at info (1) or error (2). */
  const writev = (fd: number, iovs: number, count: number, writtenOut: number): number => {
    if (!std(fd)) return EBADF;
    const parts: Buffer[] = [];
    for (let i = 0; i < count >>> 0; i++) {
      const ptr = mem.u32(iovs + i * 8);
      const len = mem.u32(iovs + i * 8 + 4);
      if (len) parts.push(Buffer.from(mem.view8(ptr, len)));
    }
    const text = Buffer.concat(parts);
    if (text.length) {
      const message = text.toString('utf8').replace(/\n$/, '');
      const level = fd === 1 ? LogLevel.Info : LogLevel.Error;
      vm.noteGuestLog(level, message);
      host.guestLog(vm, vm.active, level, message);
    }
    mem.setU32(writtenOut, text.length);
    return ESUCCESS;
  };

  const env = Object.entries(host.vmEnvironment).map(([k, v]) => Buffer.from(`${k}=${v}\0`));

  const fns: Record<string, WasiFn> = {
    fd_write: (fd: number, iovs: number, count: number, out: number) => writev(fd, iovs, count, out),
    fd_pwrite: (fd: number, iovs: number, count: number, _offset: bigint, out: number) => writev(fd, iovs, count, out),
    fd_read: () => ENOSYS,
    fd_pread: () => ENOSYS,
    fd_seek: () => ESUCCESS,
    fd_close: () => ESUCCESS,
    fd_fdstat_get: (fd: number, out: number) => {
      if (!std(fd)) return EBADF;
      mem.write(out, new Uint8Array(24));
      mem.setU64(out + 8, 64n); // fs_rights_base: fd_write
      return ESUCCESS;
    },
    fd_fdstat_set_flags: () => ENOSYS,
    fd_fdstat_set_rights: (fd: number) => stdOnly(fd),
    fd_advise: () => ESUCCESS,
    fd_allocate: (fd: number) => stdOnly(fd),
    fd_datasync: (fd: number) => stdOnly(fd),
    fd_sync: (fd: number) => stdOnly(fd),
    fd_filestat_set_size: (fd: number) => stdOnly(fd),
    fd_filestat_set_times: (fd: number) => stdOnly(fd),
    fd_filestat_get: () => EBADF,
    fd_readdir: (_fd: number, _buf: number, _len: number, _cookie: bigint, out: number) => {
      mem.setU32(out, 0);
      return ENOTDIR;
    },
    fd_renumber: (fd: number, to: number) => (std(fd) && std(to) ? ENOTSUP : EBADF),
    fd_tell: (fd: number, out: number) => {
      if (!std(fd)) return EBADF;
      mem.setU64(out, 0n);
      return ESUCCESS;
    },
    fd_prestat_get: () => EBADF,
    fd_prestat_dir_name: () => ENOSYS,
    path_open: () => ENOENT,
    path_filestat_get: () => ENOTSUP,
    path_create_directory: () => ENOTSUP,
    path_filestat_set_times: () => ENOTSUP,
    path_link: () => ENOTSUP,
    path_readlink: (_fd: number, _p: number, _pl: number, _b: number, _bl: number, out: number) => {
      mem.setU32(out, 0);
      return ENOTSUP;
    },
    path_remove_directory: () => ENOTSUP,
    path_rename: () => ENOTSUP,
    path_symlink: () => ENOTSUP,
    path_unlink_file: () => ENOTSUP,
    sock_accept: (_fd: number, _flags: number, out: number) => {
      mem.setU32(out, 0);
      return ENOTSUP;
    },
    sock_recv: (_fd: number, _d: number, _l: number, _f: number, out0: number, out1: number) => {
      mem.setU32(out0, 0);
      mem.write(out1, new Uint8Array(2));
      return ENOTSUP;
    },
    sock_send: (_fd: number, _d: number, _l: number, _f: number, out: number) => {
      mem.setU32(out, 0);
      return ENOTSUP;
    },
    sock_shutdown: () => ENOTSUP,
    environ_sizes_get: (countOut: number, sizeOut: number) => {
      mem.setU32(countOut, env.length);
      mem.setU32(sizeOut, env.reduce((n, e) => n + e.length, 0));
      return ESUCCESS;
    },
    environ_get: (array: number, buf: number) => {
      for (const e of env) {
        mem.setU32(array, buf);
        mem.write(buf, e);
        array += 4;
        buf += e.length;
      }
      return ESUCCESS;
    },
    args_get: () => ESUCCESS,
    args_sizes_get: (countOut: number, sizeOut: number) => {
      mem.setU32(countOut, 0);
      mem.setU32(sizeOut, 0);
      return ESUCCESS;
    },
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      if (id === 0) mem.setU64(out, host.now());
      else if (id === 1) mem.setU64(out, process.hrtime.bigint());
      else return ENOTSUP;
      return ESUCCESS;
    },
    clock_res_get: (id: number, out: number) => {
      if (id !== 0 && id !== 1) return ENOTSUP;
      mem.setU64(out, 1n);
      return ESUCCESS;
    },
    random_get: (ptr: number, len: number) => {
      if (len >>> 0 > LIMITS.randomGetMaxBytes) return EINVAL;
      if (len === 0) return ESUCCESS;
      mem.write(ptr, randomFillSync(new Uint8Array(len >>> 0)));
      return ESUCCESS;
    },
    sched_yield: () => ESUCCESS,
    poll_oneoff: (_in: number, _out: number, _n: number, eventsOut: number) => {
      mem.setU32(eventsOut, 0);
      return ESUCCESS;
    },
    proc_exit: (code: number): void => {
      throw new ProcExit(code);
    },
  };
  for (const [name, fn] of Object.entries(fns)) {
    fns[name] = (...args: never[]) => {
      try {
        return fn(...args);
      } catch (err) {
        if (err instanceof InvalidMemoryAccess) return EFAULT;
        throw err;
      }
    };
  }
  return fns;
}
