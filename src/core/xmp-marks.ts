/**
 * How a favorite is marked in an XMP sidecar (config `VV_XMP_FAVORITE`): a colour label in
 * `xmp:Label` — the names of Lightroom's default label set, which digiKam maps to its colour labels
 * too — or `pick`: digiKam's `PickLabel` "accepted" (Lightroom keeps its pick flag out of XMP).
 */
export const FAVORITE_MARKS = ['red', 'yellow', 'green', 'blue', 'purple', 'pick'] as const;
export type FavoriteMark = (typeof FAVORITE_MARKS)[number];
export const DEFAULT_FAVORITE_MARK: FavoriteMark = 'red';
