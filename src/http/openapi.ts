/** OpenAPI 3.1 document generated from the same zod schemas that validate requests. */
import { z } from 'zod';
import * as s from './schemas.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function queryParameters(schema: z.ZodType): Record<string, unknown>[] {
  const json = schemaOf(schema, 'input');
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    description: prop.description,
    schema: prop,
  }));
}

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

function json(schema: z.ZodType, description: string) {
  return { description, content: { 'application/json': { schema: schemaOf(schema) } } };
}

/** A response to an edit: the body, and the Vv-Change header naming the journaled change. */
function changed(schema: z.ZodType, description: string) {
  return {
    ...json(schema, description),
    headers: {
      'Vv-Change': {
        description: 'the id of the journaled change (POST /api/undo {"change": id} reverses it); absent when nothing changed',
        schema: { type: 'integer' },
      },
    },
  };
}

const errors = {
  '400': json(s.errorBody, 'invalid input'),
  '401': json(s.errorBody, 'a token is required'),
  '404': json(s.errorBody, 'not found'),
};

let cached: Record<string, unknown> | null = null;

export function openApiDocument(): Record<string, unknown> {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Visionary Vault API',
      version: '0.1.0',
      description:
        'Local API of a Visionary Vault library. Errors are `{ "error": { "code", "message" } }`. When the server listens beyond loopback, every request needs the token (`Authorization: Bearer <token>` or `?token=`). POST/PATCH/PUT/DELETE with a foreign `Origin` or `Sec-Fetch-Site: cross-site` are refused (403 `forbidden_origin`).',
    },
    components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/api/images': {
        get: {
          summary: 'List images (filters, keyset pagination)',
          parameters: queryParameters(s.imagesQuery),
          responses: { '200': json(s.imagesPage, 'a page of image summaries'), ...errors },
        },
      },
      '/api/images/count': {
        get: {
          summary: 'How many images the filters select (what a page answered with total: null; counted without holding the server)',
          parameters: queryParameters(s.imagesCountQuery),
          responses: { '200': json(s.imagesCount, 'the count'), ...errors },
        },
      },
      '/api/search': {
        get: {
          summary: 'Search: CLIP similarity fused with full text (prompts, tags, paths, raw metadata) when a model is installed, full text alone otherwise; the /api/images filters apply',
          parameters: queryParameters(s.searchQuery),
          responses: { '200': json(s.searchResult, 'ranked results'), ...errors, '503': json(s.errorBody, 'mode=semantic without a model (model_unavailable), or with one that fails to load or run (model_failed, model_unsupported); hybrid falls back to text with a reason') },
        },
      },
      '/api/image/{id}/similar': {
        get: {
          summary: 'Visually similar images (CLIP), with the /api/images filters',
          parameters: [idParameter, ...queryParameters(s.similarQuery)],
          responses: { '200': json(s.similarResult, 'most similar first'), ...errors, '503': json(s.errorBody, 'no model installed, or the image has no embedding yet (model_unavailable)') },
        },
      },
      '/api/duplicates': {
        get: {
          summary: 'Near-duplicates (perceptual hash, confirmed by CLIP when present) and generation batches (same prompt and model across seeds; same seed at several sizes)',
          parameters: queryParameters(s.duplicatesQuery),
          responses: { '200': json(s.duplicatesResult, 'groups, largest first'), ...errors },
        },
      },
      '/api/image/{id}': {
        get: {
          summary: 'One image: summary, metadata record, raw chunks, tags with source, categories, notes',
          parameters: [idParameter],
          responses: { '200': json(s.imageDetail, 'the image'), ...errors },
        },
        patch: {
          summary: 'Edit tags, prompt, favorite, rating, categories, notes (the original file is never touched)',
          parameters: [idParameter],
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.imagePatch, 'input') } } },
          responses: { '200': changed(s.imageDetail, 'the updated image'), ...errors },
        },
      },
      '/api/image/{id}/file': {
        get: {
          summary: 'The original file, byte for byte, with its content type',
          parameters: [idParameter],
          responses: { '200': { description: 'image bytes', content: { 'image/*': {} } }, ...errors },
        },
      },
      '/thumbnails/{name}': {
        get: {
          summary: 'A 512 px WebP thumbnail; `name` is `<content hash>.webp` as given in thumbnail_url',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{16}\\.webp$' } }],
          responses: { '200': { description: 'WebP image', content: { 'image/webp': {} } }, '404': errors['404'], '422': json(s.errorBody, 'the image cannot be decoded') },
        },
      },
      '/api/tags': {
        get: { summary: 'Tags with image counts, most used first', parameters: queryParameters(s.tagsQuery), responses: { '200': json(s.tagsResult, 'tags'), ...errors } },
      },
      '/api/categories': {
        get: { summary: 'Categories (nested with "/") with image counts', responses: { '200': json(s.categoriesResult, 'categories') } },
        post: {
          summary: 'Create a category ("a/b" nests it)',
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.categoryCreate, 'input') } } },
          responses: { '201': changed(s.categoriesResult, 'all categories'), ...errors, '409': json(s.errorBody, 'it exists') },
        },
        delete: {
          summary: 'Delete a category and those nested in it (images stay; only their membership goes)',
          parameters: queryParameters(s.categoryDelete),
          responses: { '200': changed(s.categoriesResult, 'all categories'), ...errors },
        },
      },
      '/api/categories/rename': {
        post: {
          summary: 'Rename a category, or move it ("a" → "b/a" nests it under b); nested categories follow',
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.categoryRename, 'input') } } },
          responses: { '200': changed(s.categoriesResult, 'all categories'), ...errors, '409': json(s.errorBody, 'the target exists') },
        },
      },
      '/api/folders': {
        get: { summary: "The library's own folders (each ancestor of a folder with images too) with image counts; filter /api/images by one with dir=", responses: { '200': json(s.foldersResult, 'folders by path') } },
      },
      '/api/values': {
        get: {
          summary: 'Values of a generation field (model, sampler, scheduler, generator) in the index, for type-ahead: case-insensitive, those starting with prefix first, then by use',
          parameters: queryParameters(s.valuesQuery),
          responses: { '200': json(s.valuesResult, 'values with image counts'), ...errors },
        },
      },
      '/api/albums': {
        get: { summary: 'Albums (saved searches) by name, each with its saved query and what it holds now', responses: { '200': json(s.albumsResult, 'albums') } },
        post: {
          summary: 'Save a filter (and search) as a named album; names are unique in any case',
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.albumCreate, 'input') } } },
          responses: { '201': json(s.albumsResult, 'all albums'), ...errors, '409': json(s.errorBody, 'an album has that name') },
        },
        delete: {
          summary: 'Delete an album (the images it shows are not touched)',
          parameters: queryParameters(s.albumDelete),
          responses: { '200': json(s.albumsResult, 'all albums'), ...errors },
        },
      },
      '/api/batch': {
        post: {
          summary: 'One edit (tags, favorite, rating, categories) on many images: explicit ids, or every image a query selects (minus `exclude`)',
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.batchBody, 'input') } } },
          responses: { '200': changed(s.batchResult, 'how many images were selected and updated'), ...errors },
        },
      },
      '/api/trash': {
        post: {
          summary:
            "Move originals to the operating system's trash (freedesktop.org Trash on Linux/BSD; Finder on macOS and the Recycle Bin on Windows, untested): ids, every image a query selects, or `{rejected: true}`. Journaled and restorable; refused (403 trash_disabled) unless the server runs with --allow-trash, and on a platform without a known trash (never a delete instead)",
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.trashBody, 'input') } } },
          responses: { '200': changed(s.trashResult, 'the images moved'), ...errors, '403': json(s.errorBody, 'trash_disabled: start the server with --allow-trash') },
        },
      },
      '/api/trash/restore': {
        post: {
          summary: 'Bring trashed originals back to their paths, with all their vault data (list them: GET /api/images?trashed=true&missing=include)',
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.restoreBody, 'input') } } },
          responses: { '200': changed(s.trashResult, 'the images restored'), ...errors, '409': json(s.errorBody, 'a file is at the path now, or the file left the trash') },
        },
      },
      '/api/history': {
        get: {
          summary: 'The journal of organizing changes (API, batch, gallery, filesystem, XMP import, undo), newest first',
          parameters: queryParameters(s.historyQuery),
          responses: { '200': json(s.historyResult, 'changes'), ...errors },
        },
      },
      '/api/undo': {
        post: {
          summary:
            'Reverse journaled changes, newest first: `{change}` one change, `{since}` every change since that time, `{}` the latest change not yet undone. The reversal is itself a change (undo it to redo)',
          requestBody: { required: false, content: { 'application/json': { schema: schemaOf(s.undoBody, 'input') } } },
          responses: { '200': json(s.undoResult, 'what was reversed'), ...errors, '409': json(s.errorBody, 'the change was already undone, or a name it would restore is taken') },
        },
      },
      '/api/export': {
        post: {
          summary: 'Prepare a zip of the originals of a selection (ids or query), with metadata.json / metadata.csv; answers the download URL (valid 10 minutes)',
          requestBody: { required: true, content: { 'application/json': { schema: schemaOf(s.exportBody, 'input') } } },
          responses: { '201': json(s.exportResult, 'the download URL'), ...errors },
        },
      },
      '/api/export/{token}.zip': {
        get: {
          summary: 'The zip: images/<library path> for each original, byte for byte, plus the metadata files',
          parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } }],
          responses: { '200': { description: 'zip archive', content: { 'application/zip': {} } }, '404': errors['404'] },
        },
      },
      '/api/status': {
        get: { summary: 'Library (path, online or offline and why), watching, counts (images, missing, errors, problems), scan / thumbnail / embedding progress, the mount of `vv serve --mount` (null without; `mounted: false` and why once unmounted from outside)', responses: { '200': json(s.statusResult, 'status') } },
      },
      '/api/problems': {
        get: {
          summary: 'Problem files (unreadable, not an image, undecodable or damaged pixels, timed out, name not UTF-8, unreadable folder) with the reason, in path order; kept current by every scan',
          parameters: queryParameters(s.problemsQuery),
          responses: { '200': json(s.problemsPage, 'a page of problems'), ...errors },
        },
      },
      '/api/scan': {
        post: { summary: 'Start a rescan of the library', responses: { '202': { description: 'scan started' }, '503': { description: 'library_offline: the library folder is gone or emptied; nothing is scanned or marked missing' } } },
      },
      '/api/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    security: [{}, { token: [] }],
  };
  return cached;
}
