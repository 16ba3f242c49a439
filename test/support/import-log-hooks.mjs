/** Module resolve hook for import-log.mjs: one resolved URL per line. */
import fs from 'node:fs';

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (process.env.VV_IMPORT_LOG) fs.appendFileSync(process.env.VV_IMPORT_LOG, `${result.url}\n`);
  return result;
}
