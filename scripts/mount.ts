/**
 * `node dist/scripts/mount.js <mountpoint> [--data <dir>]` — the same as `vv mount`: the virtual
 * filesystem of an indexed library.
 */
process.argv.splice(2, 0, 'mount');
await import('../src/cli.js');
