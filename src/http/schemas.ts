/** Request and response schemas: validation at the edge, and the source of /api/openapi.json. */
import { z } from 'zod';
import { MAX_TAG_NAME_LENGTH, tagNameProblem } from '../core/tag-names.js';
import { categoryNameProblem, MAX_CATEGORY_NAME_LENGTH } from '../core/category-names.js';
import { PROBLEM_KINDS } from '../core/problems.js';

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(200)).max(50));

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');

const boolString = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const intString = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const imageFilterQuery = {
  tags: list.optional().describe('images carrying all of these tags (comma-separated)'),
  any: list.optional().describe('images carrying at least one of these tags'),
  not: list.optional().describe('images carrying none of these tags'),
  from: date.optional().describe('created on or after (YYYY-MM-DD)'),
  to: date.optional().describe('created on or before (YYYY-MM-DD)'),
  favorite: boolString.optional(),
  category: z.string().min(1).max(500).optional().describe('in this category or one nested below it'),
  model: z.string().min(1).max(500).optional(),
  sampler: z.string().min(1).max(200).optional(),
  scheduler: z.string().min(1).max(200).optional(),
  generator: z.string().min(1).max(100).optional(),
  seed: z
    .string()
    .regex(/^-?\d{1,20}$/, 'expected an integer')
    .transform((s) => (Number.isSafeInteger(Number(s)) ? Number(s) : s))
    .optional(),
  steps: intString(0, 100_000).optional(),
  cfg: z.coerce.number().min(0).max(1000).optional(),
  min_width: intString(0, 1_000_000).optional(),
  max_width: intString(0, 1_000_000).optional(),
  min_height: intString(0, 1_000_000).optional(),
  max_height: intString(0, 1_000_000).optional(),
  min_rating: intString(0, 5).optional(),
  dir: z.string().max(4096).optional().describe('only files under this library folder'),
  subfolders: boolString.optional().describe('with dir: false keeps only the files directly in it, not in its subfolders (default true)'),
  subcategories: boolString.optional().describe('with category: false keeps only the images directly in it, not in nested categories (default true)'),
  missing: z.enum(['exclude', 'only', 'include']).optional().describe('files no longer on disk (default: exclude)'),
  sfw: boolString
    .optional()
    .describe('true: only images not marked NSFW; false: only those marked (tags nsfw, explicit, questionable, rating:explicit, rating:questionable, rating:e, rating:q by prompt, user or XMP; a model\'s nsfw tag at confidence ≥ 0.6)'),
  media: z.enum(['image', 'animation', 'video']).optional().describe('stills, animations (GIF/WebP/APNG) or videos (MP4/MOV/WebM/MKV)'),
  min_duration: z.coerce.number().min(0).max(1e9).optional().describe('animations and videos at least this many seconds long'),
  rejected: boolString.optional().describe('true: only images marked as rejects; false: none of them'),
  trashed: boolString.optional().describe('true: only originals moved to the trash (add missing=include or only: they are no longer in the library)'),
};

const common = { token: z.string().optional().describe('API token, when the server requires one') };

export const imagesQuery = z
  .object({
    ...imageFilterQuery,
    ...common,
    sort: z.enum(['date', '-date', 'random']).default('-date'),
    limit: intString(1, 500).default(100),
    cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
  })
  .strict();

export const searchQuery = z
  .object({
    ...imageFilterQuery,
    ...common,
    q: z.string().trim().min(1, 'q is required').max(1000),
    limit: intString(1, 500).default(100),
    mode: z
      .enum(['hybrid', 'semantic', 'text'])
      .optional()
      .describe('hybrid (default with a model): CLIP and full text fused by rank; semantic: CLIP only; text: full text only (default without a model)'),
  })
  .strict();

export const similarQuery = z.object({ ...imageFilterQuery, ...common, limit: intString(1, 500).default(50) }).strict();

export const duplicatesQuery = z
  .object({
    ...imageFilterQuery,
    ...common,
    kind: z.enum(['near', 'batch']).optional().describe('near: perceptual-hash near-duplicates; batch: generation batches; both when absent'),
    limit: intString(1, 500).default(50).describe('groups per page'),
    offset: intString(0, 10_000_000).default(0),
  })
  .strict();

export const tagsQuery = z
  .object({
    ...common,
    prefix: z.string().max(200).default(''),
    limit: intString(1, 5000).default(200),
    source: z.enum(['prompt', 'model', 'user', 'ai', 'xmp']).optional().describe('only tags of this source, counted per source'),
  })
  .strict();

export const idParam = z.string().regex(/^\d{1,15}$/, 'image id must be a positive integer').transform(Number);

const tagName = z
  .string()
  .trim()
  .min(1)
  .max(MAX_TAG_NAME_LENGTH)
  .superRefine((s, ctx) => {
    const problem = tagNameProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const categoryName = z
  .string()
  .trim()
  .min(1)
  .max(MAX_CATEGORY_NAME_LENGTH)
  .superRefine((s, ctx) => {
    const problem = categoryNameProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const imagePatch = z
  .object({
    tags: z.object({ add: z.array(tagName).max(500).optional(), remove: z.array(tagName).max(500).optional() }).strict().optional(),
    prompt: z.string().max(65_536).nullable().optional().describe("the user's prompt; the extracted one is kept"),
    favorite: z.boolean().optional(),
    rating: z.number().int().min(0).max(5).optional(),
    rejected: z.boolean().optional().describe('marked as a reject while culling (a candidate for the trash)'),
    categories: z.object({ add: z.array(categoryName).max(100).optional(), remove: z.array(categoryName).max(100).optional() }).strict().optional(),
    notes: z.string().max(65_536).nullable().optional(),
    caption: z.string().max(4096).nullable().optional().describe("the user's caption (replaces the model's; null clears it)"),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');

// ---- response shapes (documentation) ----

export const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const imageSummary = z.object({
  id: z.number().int(),
  filename: z.string(),
  path: z.string().describe('relative to the library folder'),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  created_at: z.string(),
  favorite: z.boolean(),
  rating: z.number().int(),
  tags: z.array(z.string()),
  generator: z.string().nullable(),
  prompt: z.string().nullable(),
  thumbnail_url: z.string().nullable(),
  missing: z.boolean(),
  size: z.number().int().describe('bytes'),
  format: z.string().nullable(),
  nsfw: z.boolean().describe('marked not safe for work (see the sfw filter): SFW mode blurs it'),
  rejected: z.boolean().describe('marked as a reject while culling (list them: rejected=true)'),
  media_type: z.enum(['image', 'animation', 'video']),
  duration_s: z.number().nullable().describe('seconds (animations and videos)'),
  preview_url: z.string().nullable().describe('a short animated WebP at thumbnail size (animations and videos)'),
});

export const imagesPage = z.object({
  items: z.array(imageSummary),
  next_cursor: z.string().nullable(),
  total: z
    .number()
    .int()
    .nullable()
    .describe('images the filter selects; null while a costly count (several large tags) runs off the serving thread: GET /api/images/count waits for it'),
});

export const imagesCountQuery = z.object({ ...imageFilterQuery, ...common }).strict();
export const imagesCount = z.object({ total: z.number().int() });
export const searchResult = z.object({
  items: z.array(
    imageSummary.extend({
      score: z.number().describe('hybrid: fused rank score; semantic: cosine; text: bm25 (higher is better)'),
      text_score: z.number().optional(),
      semantic_score: z.number().optional(),
    }),
  ),
  mode: z.enum(['text', 'semantic', 'hybrid']),
  reason: z.string().optional().describe('why a hybrid search answered with full text alone (the model failed)'),
});
export const similarResult = z.object({ items: z.array(imageSummary.extend({ score: z.number().describe('cosine similarity') })) });
export const duplicatesResult = z.object({
  groups: z.array(z.object({ kind: z.enum(['near', 'batch']), reason: z.string(), count: z.number().int(), items: z.array(imageSummary) })),
  total: z.number().int().describe('groups in all pages'),
});
export const imageDetail = imageSummary.extend({
  file_url: z.string().describe('the original file (GET it for the bytes)'),
  params: z.record(z.string(), z.unknown()).nullable().describe('the metadata record as `vv meta --json` prints it, without raw'),
  raw: z.record(z.string(), z.unknown()),
  tags: z.array(z.object({ name: z.string(), source: z.enum(['prompt', 'model', 'user', 'ai', 'xmp']), confidence: z.number().nullable() })),
  categories: z.array(z.string()),
  notes: z.string().nullable(),
  caption: z.object({ text: z.string(), source: z.enum(['ai', 'user']) }).nullable().describe('what a captioning model (ai) or the user says the image shows'),
  extracted_prompt: z.string().nullable(),
  user_prompt: z.string().nullable(),
  error: z.string().nullable(),
  frame_count: z.number().int().nullable(),
  fps: z.number().nullable(),
  video_codec: z.string().nullable(),
  has_audio: z.boolean().nullable(),
  trashed_at: z.string().nullable().describe('when the original was moved to the trash (restorable), else null'),
});
export const tagsResult = z.object({ tags: z.array(z.object({ name: z.string(), count: z.number().int() })) });
export const categoriesResult = z.object({ categories: z.array(z.object({ name: z.string(), count: z.number().int() })) });

/** Which images a batch action or an export applies to: explicit ids, or every image a query selects. */
const selection = {
  ids: z.array(z.number().int().positive()).max(1_000_000).optional(),
  query: z
    .string()
    .max(10_000)
    .optional()
    .describe('a query string as /api/images takes it (tags=a,b&favorite=true…), or with q= as /api/search takes it: every image it selects, not only loaded pages'),
  exclude: z.array(z.number().int().positive()).max(1_000_000).optional().describe('ids to leave out of a query selection'),
};

const tagNames = z.array(tagName).max(100);
const categoryNames = z.array(categoryName).max(100);

export const batchBody = z
  .object({
    ...selection,
    tags: z.object({ add: tagNames.optional(), remove: tagNames.optional() }).strict().optional(),
    favorite: z.boolean().optional(),
    rating: z.number().int().min(0).max(5).optional(),
    rejected: z.boolean().optional(),
    categories: z.object({ add: categoryNames.optional(), remove: categoryNames.optional() }).strict().optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.query === undefined), 'give either ids or query')
  .refine((b) => b.tags || b.favorite !== undefined || b.rating !== undefined || b.rejected !== undefined || b.categories, 'give at least one action: tags, favorite, rating, rejected, categories');

export const exportBody = z
  .object({
    ...selection,
    metadata: z.enum(['none', 'json', 'csv', 'both']).default('json').describe('metadata file(s) added to the zip beside the originals'),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.query === undefined), 'give either ids or query');

export const foldersResult = z.object({
  folders: z.array(
    z.object({
      path: z.string().describe('relative to the library folder; "" is the library folder itself'),
      own: z.number().int().describe('present images directly in it'),
      count: z.number().int().describe('present images in it and its subfolders'),
    }),
  ),
});

export const valuesQuery = z
  .object({
    ...common,
    field: z.enum(['model', 'sampler', 'scheduler', 'generator']),
    prefix: z.string().max(500).default('').describe('case-insensitive; values starting with it come first, then values containing it'),
    limit: intString(1, 500).default(20),
  })
  .strict();
export const valuesResult = z.object({ values: z.array(z.object({ value: z.string(), count: z.number().int() })) });

const albumName = z.string().min(1).max(100);
const albumQuery = z.object({
  filter: z.record(z.string(), z.unknown()).describe('the /api/images filters, as parsed'),
  q: z.string().nullable().describe('a search ranked within the filter (top results, as /api/search ranks them)'),
  mode: z.enum(['hybrid', 'semantic', 'text']).nullable(),
});
export const album = z.object({
  name: z.string(),
  query: albumQuery,
  url_query: z.string().describe('the saved query as an /api/images (or, with q, /api/search) query string'),
  created_at: z.string(),
  count: z.number().int().nullable().describe('images it holds now (null for a search album)'),
});
export const albumsResult = z.object({ albums: z.array(album) });
export const albumCreate = z
  .object({
    name: albumName,
    query: z.string().max(10_000).describe('what to save: a query string as /api/images takes it (tags=a,b&favorite=true…), or with q= as /api/search takes it'),
  })
  .strict();
export const albumDelete = z.object({ ...common, name: albumName }).strict();
export const trashBody = z
  .object({
    ...selection,
    rejected: z.literal(true).optional().describe('every image marked as a reject'),
  })
  .strict()
  .refine((b) => [b.ids, b.query, b.rejected].filter((x) => x !== undefined).length === 1, 'give one of ids, query or rejected');
export const restoreBody = z
  .object({ ids: z.array(z.number().int().positive()).min(1).max(1_000_000) })
  .strict();
export const trashResult = z.object({
  moved: z.array(z.number().int()).describe('the images whose originals moved (to the trash, or back to their paths)'),
  selected: z.number().int(),
});

export const categoryCreate = z.object({ name: categoryName }).strict();
export const categoryRename = z.object({ from: categoryName, to: categoryName }).strict();
export const categoryDelete = z.object({ ...common, name: categoryName }).strict();
export const batchResult = z.object({ updated: z.number().int(), selected: z.number().int() });

export const historyQuery = z
  .object({
    ...common,
    limit: intString(1, 1000).default(50),
    before: intString(1, Number.MAX_SAFE_INTEGER).optional().describe('only changes with a smaller id (the next page)'),
  })
  .strict();
export const undoBody = z
  .object({
    change: z.number().int().positive().optional().describe('reverse this change'),
    since: z.iso.datetime({ offset: true }).optional().describe('reverse every change since this time (ISO 8601), newest first'),
  })
  .strict()
  .refine((b) => b.change === undefined || b.since === undefined, 'give change or since, not both');
export const changeSummary = z.object({
  id: z.number().int(),
  at: z.string(),
  origin: z.enum(['api', 'batch', 'fuse', 'cli', 'xmp', 'undo']),
  description: z.string(),
  images: z.number().int().describe('images the change touched'),
  undone_by: z.number().int().nullable().describe('the undo change that reversed it'),
  reverts: z.array(z.number().int()).nullable().describe('for an undo change: the changes it reversed'),
});
export const historyResult = z.object({ changes: z.array(changeSummary) });
export const undoResult = z.object({
  change: z.number().int().nullable().describe('the undo change (undo it to redo); null when nothing was reversed'),
  reversed: z.array(changeSummary),
});
export const exportResult = z.object({ url: z.string(), count: z.number().int(), expires_at: z.string() });

export const problemsQuery = z
  .object({
    ...common,
    limit: intString(1, 5000).default(500).describe('problems per page'),
    cursor: z.string().max(20_000).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export const problem = z.object({
  path: z.string().describe('relative to the library root; in a name that is not valid UTF-8 each such byte is written \\xNN (and a backslash \\\\)'),
  kind: z.enum(PROBLEM_KINDS),
  message: z.string().describe('the reason'),
  size: z.number().int().nullable(),
  mtime_ms: z.number().int().nullable(),
  first_seen: z.string().describe('ISO 8601: when a scan first found it'),
  last_seen: z.string().describe('ISO 8601: when a scan last read the file and found it'),
});
export const problemsPage = z.object({ items: z.array(problem), next_cursor: z.string().nullable(), total: z.number().int() });

const progress = { running: z.boolean(), done: z.number().int(), total: z.number().int() };
/** GET /api/status. Loose objects: the gallery reads the fields named here; the rest is for people and scripts. */
export const statusResult = z.object({
  library: z.object({
    path: z.string(),
    online: z.boolean().describe('false: the library folder is gone or emptied (unplugged drive, renamed folder); the index is still served'),
    reason: z.string().nullable(),
    since: z.string(),
  }),
  started_at: z.string(),
  watching: z.boolean(),
  counts: z.object({ images: z.number().int(), missing: z.number().int(), errors: z.number().int(), problems: z.number().int() }),
  scan: z.looseObject({
    ...progress,
    phase: z.enum(['idle', 'walking', 'indexing', 'hashing', 'finishing']),
    failures: z.array(z.object({ path: z.string(), error: z.string() })).describe('the first 50 files this scan could not read'),
    warned: z.array(z.object({ path: z.string(), warnings: z.array(z.string()) })).describe('the first 50 files this scan indexed with warnings'),
    error: z.string().nullable().describe('why the last scan stopped short'),
  }),
  thumbnails: z.looseObject({ ...progress, failed: z.number().int() }),
  embeddings: z.looseObject({
    available: z.boolean(),
    running: z.boolean().optional(),
    done: z.number().int(),
    total: z.number().int(),
    per_second: z.number(),
    model: z.string().nullable(),
    reason: z.string().optional().describe('why semantic search is off'),
    error: z.string().nullable().optional().describe('the latest failure of the model (background work retries on the next pass)'),
  }),
  mount: z
    .object({
      path: z.string(),
      mounted: z.boolean().describe('false once unmounted (from outside: fusermount -u, a file manager\'s eject); the server goes on'),
      reason: z.string().nullable(),
      since: z.string(),
    })
    .nullable()
    .describe('the virtual filesystem of `vv serve --mount`; null without one'),
  video: z.object({
    ffmpeg: z.string().nullable().describe('the ffmpeg that makes video posters and previews (VV_FFMPEG or PATH)'),
    posters: z.boolean().describe('false: videos are indexed with their metadata but show a placeholder'),
    reason: z.string().nullable().describe('why there is no video poster'),
  }),
  trash: z.object({ enabled: z.boolean().describe('false: "Move to trash" is refused (start the server with --allow-trash, env VV_ALLOW_TRASH)') }),
});
