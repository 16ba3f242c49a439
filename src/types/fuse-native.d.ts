/** Minimal typing of fuse-native (the package ships none). */
declare module 'fuse-native' {
  interface FuseOptions {
    force?: boolean;
    mkdir?: boolean;
    debug?: boolean;
    allowOther?: boolean;
    autoUnmount?: boolean;
    fsname?: string;
    subtype?: string;
    maxRead?: number;
    entryTimeout?: number;
    attrTimeout?: number;
    timeout?: number | false;
  }
  class Fuse {
    constructor(mountpoint: string, ops: Record<string, unknown>, options?: FuseOptions);
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    static unmount(mountpoint: string, cb: (err: Error | null) => void): void;
    static isConfigured(cb: (err: Error | null, configured: boolean) => void): void;
    static EPERM: number;
    static EACCES: number;
    static ENOENT: number;
    static EIO: number;
    static EAGAIN: number;
    static EBADF: number;
    static EEXIST: number;
    static ENOTDIR: number;
    static EISDIR: number;
    static EINVAL: number;
    static EFBIG: number;
    static EROFS: number;
    static ENAMETOOLONG: number;
    static ENOTEMPTY: number;
    static ENOSYS: number;
  }
  export = Fuse;
}
