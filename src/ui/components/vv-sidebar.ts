/**
 * The filter sidebar: tags grouped by namespace / source with counts and a type-ahead, each one
 * includable, excludable or any-of; date, favorite, rating, model, sampler, size, media type and
 * minimum duration (videos and animations); the category
 * tree (create, rename, delete, nest by dragging, drop images on it).
 */
import { LitElement, html, nothing } from 'lit';
import { api, type TagCount } from '../api.js';
import { listOf, withList, type ViewState } from '../url-state.js';
import { sidebarStyles } from './vv-sidebar.styles.js';
import { askConfirm, askText } from './vv-dialog.js';
import { icon } from '../icons.js';
import './vv-places.js';

interface Group {
  title: string;
  tags: TagCount[];
}

interface CategoryNode {
  name: string;
  label: string;
  count: number;
  children: CategoryNode[];
}

export const IMAGE_DRAG = 'application/x-vv-images';
const CATEGORY_DRAG = 'application/x-vv-category';
/** The media filter's choices (/api/images `media=`). */
const MEDIA: [string, string][] = [
  ['', 'any'],
  ['image', 'stills'],
  ['animation', 'animations'],
  ['video', 'videos'],
];

function categoryTree(list: TagCount[]): CategoryNode[] {
  const roots: CategoryNode[] = [];
  const byName = new Map<string, CategoryNode>();
  for (const c of [...list].sort((a, b) => a.name.localeCompare(b.name))) {
    const parts = c.name.split('/');
    const node: CategoryNode = { name: c.name, label: parts[parts.length - 1], count: c.count, children: [] };
    byName.set(c.name, node);
    const parent = byName.get(parts.slice(0, -1).join('/'));
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Tags sorted into the groups a user thinks in. */
function grouped(all: TagCount[], user: TagCount[], ai: TagCount[]): Group[] {
  const ns = (prefix: string) => all.filter((t) => t.name.startsWith(prefix));
  const namespaced = /^(model|lora|sampler|generator|scheduler|embedding|hypernet):/;
  const userNames = new Set(user.map((t) => t.name));
  const aiNames = new Set(ai.map((t) => t.name));
  return [
    { title: 'My tags', tags: user },
    { title: 'AI tags', tags: ai },
    { title: 'Models', tags: ns('model:') },
    { title: 'LoRAs', tags: ns('lora:') },
    { title: 'Samplers', tags: ns('sampler:') },
    { title: 'Generators', tags: ns('generator:') },
    { title: 'Prompt tags', tags: all.filter((t) => !namespaced.test(t.name) && !userNames.has(t.name) && !aiNames.has(t.name)) },
  ].filter((g) => g.tags.length);
}

export class VvSidebar extends LitElement {
  static override styles = sidebarStyles;

  static override properties = {
    state: { attribute: false },
    refreshKey: { type: Number },
    groups: { state: true },
    categories: { state: true },
    prefix: { state: true },
    open: { state: true },
    suggestions: { state: true },
  };

  declare state: ViewState;
  declare refreshKey: number;
  declare groups: Group[];
  declare categories: TagCount[];
  declare prefix: string;
  declare open: Record<string, boolean>;
  /** Type-ahead values for the model and sampler fields (from the index). */
  declare suggestions: Record<string, string[]>;
  private suggestTimer = 0;
  private loadedKey = -1;
  private prefixTimer = 0;

  constructor() {
    super();
    this.refreshKey = 0;
    this.groups = [];
    this.categories = [];
    this.prefix = '';
    this.suggestions = {};
    this.open = { 'My tags': true, 'AI tags': true, Models: true, 'Prompt tags': true };
  }

  override updated(): void {
    if (this.refreshKey !== this.loadedKey) {
      this.loadedKey = this.refreshKey;
      void this.load();
    }
  }

  private async load(): Promise<void> {
    try {
      const [all, user, ai, cats] = await Promise.all([api.tags(this.prefix, 400), api.tags(this.prefix, 200, 'user'), api.tags(this.prefix, 200, 'ai'), api.categories()]);
      this.groups = grouped(all.tags, user.tags, ai.tags);
      this.categories = cats.categories;
    } catch (err) {
      this.emit('error', { message: (err as Error).message });
    }
  }

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private setFilters(filters: ViewState['filters']): void {
    this.emit('filters', { filters });
  }

  /** Cycles a tag through include → exclude → off (the name), or sets one mode (the buttons). */
  private tagMode(name: string, mode: 'tags' | 'not' | 'any' | 'cycle'): void {
    const f = this.state.filters;
    const lists = { tags: listOf(f.tags), not: listOf(f.not), any: listOf(f.any) };
    const current = (['tags', 'not', 'any'] as const).find((k) => lists[k].includes(name));
    const next = mode === 'cycle' ? (current === 'tags' ? 'not' : current ? null : 'tags') : current === mode ? null : mode;
    let filters = { ...f };
    for (const k of ['tags', 'not', 'any'] as const) filters = withList(filters, k, lists[k].filter((t) => t !== name).concat(next === k ? [name] : []));
    this.setFilters(filters);
  }

  private tagRow(t: TagCount) {
    const f = this.state.filters;
    const cls = listOf(f.tags).includes(t.name) ? 'on-include' : listOf(f.not).includes(t.name) ? 'on-exclude' : listOf(f.any).includes(t.name) ? 'on-any' : '';
    return html`<div class="row tag" data-tag=${t.name}>
      <button class="name ${cls}" title="click: include, again: exclude, again: off" @click=${() => this.tagMode(t.name, 'cycle')}>${t.name}</button>
      <span class="count">${t.count}</span>
      <button class="op" title="only images with this tag" aria-label="include ${t.name}" @click=${() => this.tagMode(t.name, 'tags')}>+</button>
      <button class="op" title="no image with this tag" aria-label="exclude ${t.name}" @click=${() => this.tagMode(t.name, 'not')}>−</button>
      <button class="op" title="any of the tags marked ∨" aria-label="any-of ${t.name}" @click=${() => this.tagMode(t.name, 'any')}>∨</button>
    </div>`;
  }

  /** Suggests values of a generation field as the user types (case-insensitive, from the index). */
  private suggest(field: 'model' | 'sampler', text: string): void {
    clearTimeout(this.suggestTimer);
    this.suggestTimer = window.setTimeout(async () => {
      try {
        const { values } = await api.values(field, text);
        this.suggestions = { ...this.suggestions, [field]: values.map((v) => v.value) };
      } catch {
        // Suggestions are a convenience: the field still takes what is typed.
      }
    }, 120);
  }

  private field(label: string, key: keyof ViewState['filters'], type = 'text', extra: Record<string, string> = {}) {
    const suggests = key === 'model' || key === 'sampler';
    return html`<label class="field"
      ><span class="muted">${label}</span
      >${suggests
        ? html`<datalist id="values-${key}">${(this.suggestions[key] ?? []).map((v) => html`<option value=${v}></option>`)}</datalist>`
        : nothing}<input
        type=${type}
        name=${key}
        list=${suggests ? `values-${key}` : nothing}
        autocomplete="off"
        @focus=${suggests ? (e: Event) => this.suggest(key, (e.target as HTMLInputElement).value) : null}
        @input=${suggests ? (e: Event) => this.suggest(key, (e.target as HTMLInputElement).value) : null}
        .value=${this.state.filters[key] ?? ''}
        min=${extra.min ?? ''}
        step=${extra.step ?? nothing}
        placeholder=${extra.placeholder ?? ''}
        @change=${(e: Event) => {
          const v = (e.target as HTMLInputElement).value.trim();
          const filters = { ...this.state.filters };
          if (v) filters[key] = v;
          else delete filters[key];
          this.setFilters(filters);
        }}
    /></label>`;
  }

  private async categoryAction(action: () => Promise<{ categories: TagCount[]; change?: number | null }>, done: string): Promise<void> {
    try {
      const result = await action();
      this.categories = result.categories;
      this.emit('notice', { message: done, change: result.change ?? null });
      this.emit('changed', {});
    } catch (err) {
      this.emit('error', { message: (err as Error).message });
    }
  }

  private async newCategory(parent?: string): Promise<void> {
    const name = await askText(parent ? `New category inside “${parent}”` : 'New category (use / to nest: trips/2024)', { placeholder: 'name', confirm: 'Create' });
    if (!name?.trim()) return;
    const full = parent ? `${parent}/${name.trim()}` : name.trim();
    void this.categoryAction(() => api.createCategory(full), `Category “${full}” created`);
  }

  private async renameCategory(name: string): Promise<void> {
    const to = await askText(`Rename “${name}” (a / moves it: parent/child)`, { value: name, confirm: 'Rename' });
    if (!to?.trim() || to.trim() === name) return;
    void this.categoryAction(() => api.renameCategory(name, to.trim()), `Category renamed to “${to.trim()}”`);
  }

  private async deleteCategory(name: string): Promise<void> {
    if (!(await askConfirm(`Delete category “${name}” and the categories inside it? The images stay in the library.`, { confirm: 'Delete', danger: true }))) return;
    if (this.state.filters.category === name) this.setFilters({ ...this.state.filters, category: undefined });
    void this.categoryAction(() => api.deleteCategory(name), `Category “${name}” deleted`);
  }

  private onDrop(e: DragEvent, node: CategoryNode): void {
    e.preventDefault();
    (e.currentTarget as HTMLElement).classList.remove('drop');
    const category = e.dataTransfer?.getData(CATEGORY_DRAG);
    if (category) {
      const label = category.split('/').pop()!;
      if (node.name === category || node.name.startsWith(`${category}/`)) return;
      void this.categoryAction(() => api.renameCategory(category, `${node.name}/${label}`), `Moved “${category}” into “${node.name}”`);
      return;
    }
    const images = e.dataTransfer?.getData(IMAGE_DRAG);
    if (images) this.emit('drop-images', { category: node.name, payload: JSON.parse(images) });
  }

  private categoryNode(node: CategoryNode): unknown {
    const active = this.state.filters.category === node.name;
    return html`<div
      class="cat ${active ? 'active' : ''}"
      data-category=${node.name}
      @dragover=${(e: DragEvent) => {
        e.preventDefault();
        e.stopPropagation();
        (e.currentTarget as HTMLElement).classList.add('drop');
      }}
      @dragleave=${(e: DragEvent) => (e.currentTarget as HTMLElement).classList.remove('drop')}
      @drop=${(e: DragEvent) => {
        e.stopPropagation();
        this.onDrop(e, node);
      }}
    >
      <div class="row" draggable="true" @dragstart=${(e: DragEvent) => e.dataTransfer?.setData(CATEGORY_DRAG, node.name)}>
        <button class="name" @click=${() => this.setFilters({ ...this.state.filters, category: active ? undefined : node.name })}>${node.label}</button>
        <span class="count">${node.count}</span>
        <button class="op" title="new category inside" aria-label="new inside ${node.name}" @click=${() => void this.newCategory(node.name)}>${icon('plus')}</button>
        <button class="op" title="rename / move" aria-label="rename ${node.name}" @click=${() => void this.renameCategory(node.name)}>${icon('edit')}</button>
        <button class="op" title="delete" aria-label="delete ${node.name}" @click=${() => void this.deleteCategory(node.name)}>${icon('trash')}</button>
      </div>
      ${node.children.length ? html`<div class="children">${node.children.map((c) => this.categoryNode(c))}</div>` : nothing}
    </div>`;
  }

  override render() {
    if (!this.state) return nothing;
    const f = this.state.filters;
    return html`
      <vv-places .state=${this.state} .refreshKey=${this.refreshKey}></vv-places>
      <h3>Filters</h3>
      <label class="field"><span class="muted">Favorites</span><input type="checkbox" name="favorite" .checked=${f.favorite === 'true'} @change=${(e: Event) => this.setFilters({ ...f, favorite: (e.target as HTMLInputElement).checked ? 'true' : undefined })} /></label>
      <label class="field"
        ><span class="muted">Rating ≥</span
        ><select name="min_rating" @change=${(e: Event) => this.setFilters({ ...f, min_rating: (e.target as HTMLSelectElement).value || undefined })}>
          ${['', '1', '2', '3', '4', '5'].map((r) => html`<option value=${r} ?selected=${(f.min_rating ?? '') === r}>${r ? '★'.repeat(Number(r)) : 'any'}</option>`)}
        </select></label
      >
      ${this.field('From', 'from', 'date')} ${this.field('To', 'to', 'date')} ${this.field('Model', 'model', 'text', { placeholder: 'type to pick a model' })}
      ${this.field('Sampler', 'sampler')} ${this.field('Min width', 'min_width', 'number', { min: '1' })} ${this.field('Min height', 'min_height', 'number', { min: '1' })}
      <label class="field"
        ><span class="muted">Media</span
        ><select name="media" @change=${(e: Event) => this.setFilters({ ...f, media: (e.target as HTMLSelectElement).value || undefined })}>
          ${MEDIA.map(([value, label]) => html`<option value=${value} ?selected=${(f.media ?? '') === value}>${label}</option>`)}
        </select></label
      >
      ${this.field('Min duration (s)', 'min_duration', 'number', { min: '0', step: 'any' })}

      <h3>Categories <button class="op" style="float:right" aria-label="new category" @click=${() => void this.newCategory()}>${icon('plus')} new</button></h3>
      ${this.categories.length ? categoryTree(this.categories).map((n) => this.categoryNode(n)) : html`<div class="muted">No categories yet. Create one, then drag images onto it.</div>`}

      <h3>Tags</h3>
      <input
        class="search"
        type="search"
        placeholder="find a tag…"
        aria-label="find a tag"
        .value=${this.prefix}
        @input=${(e: Event) => {
          this.prefix = (e.target as HTMLInputElement).value;
          clearTimeout(this.prefixTimer);
          this.prefixTimer = window.setTimeout(() => void this.load(), 200);
        }}
      />
      ${this.groups.length === 0 ? html`<div class="muted">${this.prefix ? 'No tag starts with that.' : 'No tags yet.'}</div>` : nothing}
      ${this.groups.map(
        (g) => html`<details ?open=${this.open[g.title] ?? false} @toggle=${(e: Event) => (this.open = { ...this.open, [g.title]: (e.target as HTMLDetailsElement).open })}>
          <summary>${g.title} (${g.tags.length})</summary>
          ${g.tags.map((t) => this.tagRow(t))}
        </details>`,
      )}
    `;
  }
}

customElements.define('vv-sidebar', VvSidebar);
