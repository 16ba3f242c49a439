/** `/`: the web gallery when it has been built (dist/ui), else a minimal page over the API. */
import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import type { ApiContext } from '../context.js';
import { PACKAGE_ROOT } from '../../package-root.js';

const UI_DIR = path.join(PACKAGE_ROOT, 'dist', 'ui');
const ASSET = /^[\w.-]+\.(js|css|svg|png|woff2|map)$/;
const TYPES: Record<string, string> = { js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml', png: 'image/png', woff2: 'font/woff2', map: 'application/json' };

const FALLBACK = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Visionary Vault</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;font:14px system-ui,sans-serif;background:#111;color:#ddd}header{padding:12px 16px;display:flex;gap:12px;align-items:center}
input{flex:1;max-width:480px;padding:6px 10px;background:#222;border:1px solid #444;color:#eee;border-radius:6px}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:6px;padding:6px}
figure{margin:0;background:#1b1b1b;border-radius:6px;overflow:hidden}img{width:100%;aspect-ratio:1;object-fit:cover;display:block}
figcaption{padding:4px 6px;font-size:11px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;color:#999}a{color:#8ab4f8}</style></head>
<body><header><strong>Visionary Vault</strong><input id="q" placeholder="search prompts, tags, paths"><span id="n"></span>
<a href="/api/openapi.json">API</a></header><main id="grid"></main>
<script type="module">
const grid=document.getElementById('grid'),n=document.getElementById('n'),q=document.getElementById('q');
function show(items){grid.replaceChildren(...items.map(i=>{const f=document.createElement('figure');const img=document.createElement('img');img.loading='lazy';
if(i.thumbnail_url)img.src=i.thumbnail_url;img.alt=i.prompt||i.filename;const c=document.createElement('figcaption');c.textContent=i.prompt||i.path;f.append(img,c);return f;}));}
async function load(){const t=q.value.trim();const r=await fetch(t?'/api/search?limit=200&q='+encodeURIComponent(t):'/api/images?limit=200');const j=await r.json();
show(j.items||[]);n.textContent=t?(j.items||[]).length+' matches':(j.total??0)+' images';}
q.addEventListener('input',()=>{clearTimeout(q.t);q.t=setTimeout(load,250);});load();
</script></body></html>`;

export function homeRoutes(_api: ApiContext): Router {
  const router = new Router();
  router.get('/', (ctx) => {
    const index = path.join(UI_DIR, 'index.html');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = fs.existsSync(index) ? fs.createReadStream(index) : FALLBACK;
  });
  router.get('/assets/:name', (ctx) => {
    const name = ctx.params.name;
    const file = path.join(UI_DIR, 'assets', name);
    if (!ASSET.test(name) || !fs.existsSync(file)) return;
    ctx.type = TYPES[path.extname(name).slice(1)] ?? 'application/octet-stream';
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.body = fs.createReadStream(file);
  });
  return router;
}
