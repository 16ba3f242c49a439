/**
 * The API's answers as TypeScript types, inferred from the zod schemas in schemas.ts that document
 * them (and the OpenAPI document): one definition from the presenter to the gallery. The gallery
 * imports these with `import type` only, so no zod or server code reaches the browser bundle.
 */
import type { z } from 'zod';
import type * as s from './schemas.js';

export type ImageSummary = z.infer<typeof s.imageSummary>;
export type ImageDetail = z.infer<typeof s.imageDetail>;
export type TagDetail = ImageDetail['tags'][number];
export type ImagesPage = z.infer<typeof s.imagesPage>;
export type SearchResult = z.infer<typeof s.searchResult>;
export type SimilarResult = z.infer<typeof s.similarResult>;
export type ImagesCount = z.infer<typeof s.imagesCount>;
/** What the grid pages through: a page of /api/images, /api/search or /api/image/{id}/similar. */
export type ListPage = Pick<ImagesPage, 'items'> & Partial<Pick<ImagesPage, 'next_cursor' | 'total'>> & Partial<Pick<SearchResult, 'mode'>>;
export type TagsResult = z.infer<typeof s.tagsResult>;
export type CategoriesResult = z.infer<typeof s.categoriesResult>;
export type TagCount = TagsResult['tags'][number];
export type DuplicatesResult = z.infer<typeof s.duplicatesResult>;
export type DuplicateGroup = DuplicatesResult['groups'][number];
export type BatchResult = z.infer<typeof s.batchResult>;
export type TrashResult = z.infer<typeof s.trashResult>;
export type ChangeSummary = z.infer<typeof s.changeSummary>;
export type UndoResult = z.infer<typeof s.undoResult>;
export type ExportResult = z.infer<typeof s.exportResult>;
export type Problem = z.infer<typeof s.problem>;
export type ProblemsPage = z.infer<typeof s.problemsPage>;
export type Status = z.infer<typeof s.statusResult>;
export type FoldersResult = z.infer<typeof s.foldersResult>;
export type FolderCount = FoldersResult['folders'][number];
export type ValuesResult = z.infer<typeof s.valuesResult>;
export type AlbumsResult = z.infer<typeof s.albumsResult>;
export type Album = z.infer<typeof s.album>;
