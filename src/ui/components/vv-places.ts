/**
 * The sidebar's places: albums (saved searches: save the current filters and search by name, show
 * one, delete one) and the library's own folder tree with counts (a folder sets the `dir` filter).
 * Both are re-read when the gallery's refresh key moves, so counts stay live.
 */
import { LitElement, html, nothing } from 'lit';
import { api, type Album, type FolderCount } from '../api.js';
import { apiQuery, type ViewState } from '../url-state.js';
import { askConfirm, askText } from './vv-dialog.js';
import { icon } from '../icons.js';
import { sidebarStyles } from './vv-sidebar.styles.js';

interface FolderNode {
  path: string;
  label: string;
  count: number;
  children: FolderNode[];
}

function folderTree(folders: FolderCount[]): FolderNode[] {
  const byPath = new Map<string, FolderNode>();
  const roots: FolderNode[] = [];
  for (const f of folders) {
    if (f.path === '') continue;
    const parts = f.path.split('/');
    const node: FolderNode = { path: f.path, label: parts[parts.length - 1], count: f.count, children: [] };
    byPath.set(f.path, node);
    const parent = byPath.get(parts.slice(0, -1).join('/'));
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

export class VvPlaces extends LitElement {
  static override styles = sidebarStyles;
  static override properties = {
    state: { attribute: false },
    refreshKey: { type: Number },
    albums: { state: true },
    folders: { state: true },
    open: { state: true },
  };
  declare state: ViewState;
  declare refreshKey: number;
  declare albums: Album[];
  declare folders: FolderNode[];
  /** Expanded folders, by path. */
  declare open: Set<string>;
  private loadedKey = -1;

  constructor() {
    super();
    this.refreshKey = 0;
    this.albums = [];
    this.folders = [];
    this.open = new Set();
  }

  override updated(): void {
    if (this.refreshKey !== this.loadedKey) {
      this.loadedKey = this.refreshKey;
      void this.load();
    }
  }

  private async load(): Promise<void> {
    try {
      const [albums, folders] = await Promise.all([api.albums(), api.folders()]);
      this.albums = albums.albums;
      this.folders = folderTree(folders.folders);
    } catch (err) {
      this.emit('error', { message: (err as Error).message });
    }
  }

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private async saveAlbum(): Promise<void> {
    const name = await askText('Save these filters and search as an album', { placeholder: 'album name', confirm: 'Save' });
    if (!name) return;
    try {
      this.albums = (await api.createAlbum(name, apiQuery({ ...this.state, view: 'grid' }))).albums;
      this.emit('notice', { message: `Album “${name}” saved` });
    } catch (err) {
      this.emit('error', { message: (err as Error).message });
    }
  }

  private async deleteAlbum(name: string): Promise<void> {
    if (!(await askConfirm(`Delete the album “${name}”? Its images stay in the library.`, { confirm: 'Delete', danger: true }))) return;
    try {
      this.albums = (await api.deleteAlbum(name)).albums;
      this.emit('notice', { message: `Album “${name}” deleted` });
    } catch (err) {
      this.emit('error', { message: (err as Error).message });
    }
  }

  private albumRow(a: Album) {
    const active = apiQuery({ ...this.state, view: 'grid', sort: '-date' }).replace(/&?sort=-date/, '') === a.url_query;
    return html`<div class="row album ${active ? 'active' : ''}" data-album=${a.name}>
      <button class="name" title=${a.url_query} @click=${() => this.emit('show-query', { query: a.url_query })}>${icon('album')} ${a.name}</button>
      <span class="count">${a.count ?? 'search'}</span>
      <button class="op" title="delete album" aria-label="delete album ${a.name}" @click=${() => void this.deleteAlbum(a.name)}>${icon('trash')}</button>
    </div>`;
  }

  private folderNode(node: FolderNode): unknown {
    const active = this.state.filters.dir === node.path;
    const dir = this.state.filters.dir ?? '';
    const expanded = this.open.has(node.path) || dir === node.path || dir.startsWith(`${node.path}/`);
    return html`<div class="folder" data-folder=${node.path}>
      <div class="row ${active ? 'active' : ''}">
        ${node.children.length
          ? html`<button class="op twist" aria-label="${expanded ? 'collapse' : 'expand'} ${node.path}" aria-expanded=${expanded} @click=${() => this.toggle(node.path)}>${expanded ? '▾' : '▸'}</button>`
          : html`<span class="op twist"></span>`}
        <button class="name" @click=${() => this.emit('filters', { filters: { ...this.state.filters, dir: active ? undefined : node.path } })}>${icon('folder')} ${node.label}</button>
        <span class="count">${node.count}</span>
      </div>
      ${expanded && node.children.length ? html`<div class="children">${node.children.map((c) => this.folderNode(c))}</div>` : nothing}
    </div>`;
  }

  private toggle(path: string): void {
    const open = new Set(this.open);
    if (open.has(path)) open.delete(path);
    else open.add(path);
    this.open = open;
  }

  override render() {
    if (!this.state) return nothing;
    const savable = Boolean(this.state.q) || Object.keys(this.state.filters).length > 0;
    return html`
      <h3>
        Albums
        <button class="op" style="float:right" ?disabled=${!savable} title=${savable ? 'save the current filters and search' : 'set a filter or search first'} @click=${() => void this.saveAlbum()}>
          ${icon('plus')} save current
        </button>
      </h3>
      ${this.albums.length ? this.albums.map((a) => this.albumRow(a)) : html`<div class="muted">No albums yet. Filter or search, then save it here.</div>`}
      <h3>Folders</h3>
      ${this.folders.length ? this.folders.map((f) => this.folderNode(f)) : html`<div class="muted">All images are in the library folder itself.</div>`}
    `;
  }
}

customElements.define('vv-places', VvPlaces);
