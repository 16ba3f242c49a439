/** The empty metadata record (its own module: failure paths need it without loading the parsers). */
import type { MetadataRecord } from './types.js';

export function emptyRecord(file: string): MetadataRecord {
  return {
    file,
    format: null,
    generator: null,
    generator_version: null,
    prompt: null,
    negative_prompt: null,
    seed: null,
    steps: null,
    sampler: null,
    scheduler: null,
    cfg: null,
    model: null,
    model_hash: null,
    width: null,
    height: null,
    size: null,
    pixel_width: null,
    pixel_height: null,
    loras: [],
    samplers: [],
    c2pa_claim_generator: null,
    digital_source_type: null,
    ai_generated: null,
    extra: {},
    provenance: {},
    raw: {},
    date_time_original: null,
    warnings: [],
  };
}
