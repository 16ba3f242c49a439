/**
 * Which images count as not safe for work (the gallery's SFW mode, `sfw=` on /api/images, the
 * mount's /sfw/ folder). No model is needed: a tag marks an image, whatever gave it —
 *   - the prompt: `nsfw`, and the Danbooru / NovelAI rating tags `rating:explicit`,
 *     `rating:questionable` (and their short forms `rating:e`, `rating:q`), `explicit`, `questionable`;
 *   - the user: the tag `nsfw` ("mark NSFW" in the gallery adds it), or any tag above by hand;
 *   - a CLIP model's zero-shot tag `nsfw` (models/vocabulary.txt), when it is at least
 *     NSFW_MIN_AI_CONFIDENCE sure. `rating:sensitive` and `rating:general` do not count.
 * A user who removes such a tag from an image (a suppression) unmarks it.
 */

export const NSFW_TAGS: readonly string[] = ['nsfw', 'explicit', 'questionable', 'rating:explicit', 'rating:questionable', 'rating:e', 'rating:q'];

/** The tag the gallery's "mark NSFW" adds (a user tag). */
export const NSFW_MARK = 'nsfw';

/** How sure zero-shot tagging must be (its confidence is 0.5 at the threshold it tags at). */
export const NSFW_MIN_AI_CONFIDENCE = 0.6;
