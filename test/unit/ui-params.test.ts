/** The gallery's parameter helpers on real parser output: groups, A1111 infotext round trip, workflow pick, word diff. */
import { describe, expect, it } from 'vitest';
import { compareFields, generationSizeIfDifferent, groupParams, infotext, wordDiff, workflowOf } from '../../src/ui/params.js';
import { recordOf } from '../support/records.js';

const INFOTEXT =
  'a red fox in the snow, <lora:detail:0.6>\nNegative prompt: blurry, lowres\nSteps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234, Size: 512x768, Model hash: abcdef1234, Model: dreamshaper_8, Denoising strength: 0.45, Hires upscale: 2, Hires upscaler: 4x-UltraSharp, ADetailer model: face_yolov8n.pt, ADetailer denoising strength: 0.4, ControlNet 0: "Module: canny, Model: control_canny, Weight: 1", Version: v1.9.4';

describe('generation parameters in the gallery', () => {
  const record = recordOf({ parameters: INFOTEXT }) as unknown as Record<string, unknown>;

  it('groups every field: base, hires, ADetailer, ControlNet, LoRAs, extra', () => {
    const groups = Object.fromEntries(groupParams(record).map((g) => [g.name, Object.fromEntries(g.rows)]));
    expect(groups.Base).toMatchObject({ Sampler: 'DPM++ 2M', Steps: '28', Seed: '1234', 'Generation size': '512×768', Model: 'dreamshaper_8' });
    expect(Object.keys(groups.Hires)).toEqual(expect.arrayContaining(['Hires upscale', 'Hires upscaler', 'Denoising strength']));
    expect(Object.keys(groups.ADetailer)).toEqual(expect.arrayContaining(['ADetailer model', 'ADetailer denoising strength']));
    expect(Object.keys(groups.ControlNet)).toEqual(['ControlNet 0']);
    expect(groups.LoRAs).toEqual({ detail: '0.6' });
    // Every flat extra key appears in exactly one group; the parser's structured copies only where nothing else says it.
    const shown = groupParams(record).flatMap((g) => g.rows.map(([k]) => k));
    for (const [key, value] of Object.entries(record.extra as object)) expect(shown.filter((k) => k === key)).toHaveLength(typeof value === 'object' ? 0 : 1);
    const comfy = { extra: { hires: { upscale: 2 } } };
    expect(groupParams(comfy)).toEqual([{ name: 'Hires', rows: [['hires', '{"upscale":2}']] }]);
    // ComfyUI's sampler denoise is not a hires pass; a still's media facts are not shown.
    expect(groupParams({ extra: { denoise: 1 }, media_type: 'image', frame_count: 1 })).toEqual([{ name: 'Extra', rows: [['denoise', '1']] }]);
  });

  it('copies all as A1111 infotext that parses back to the same fields', () => {
    const text = infotext(record, record.prompt as string);
    const again = recordOf({ parameters: text }) as unknown as Record<string, unknown>;
    for (const key of ['prompt', 'negative_prompt', 'steps', 'sampler', 'scheduler', 'cfg', 'seed', 'width', 'height', 'model', 'model_hash']) expect(again[key], key).toEqual(record[key]);
    expect(again.extra).toEqual(record.extra);
    expect(again.loras).toEqual(record.loras);
  });

  it('picks the ComfyUI API prompt over the UI workflow, and ignores non-JSON chunks', () => {
    expect(workflowOf({ prompt: '{"3":{"class_type":"KSampler"}}', workflow: '{"nodes":[]}' })?.kind).toBe('prompt');
    expect(workflowOf({ workflow: '{"nodes":[]}' })).toEqual({ kind: 'workflow', json: JSON.stringify({ nodes: [] }, null, 2) });
    expect(workflowOf({ parameters: 'a cat' })).toBeNull();
  });

  it('diffs prompts word by word, and marks the fields that differ', () => {
    const diff = wordDiff('a red fox, snow', 'a blue fox, snow, night');
    expect(diff.filter((p) => p.op === 'removed').map((p) => p.word.trim())).toEqual(['red']);
    expect(diff.filter((p) => p.op === 'added').map((p) => p.word.trim())).toEqual(['blue', 'night']);
    expect(diff.filter((p) => p.op !== 'removed').map((p) => p.word).join('')).toBe('a blue fox, snow, night');
    expect(diff.filter((p) => p.op !== 'added').map((p) => p.word.trim().replace(/,$/, ''))).toEqual(['a', 'red', 'fox', 'snow']);
    const other = recordOf({ parameters: INFOTEXT.replace('Seed: 1234', 'Seed: 99') }) as unknown as Record<string, unknown>;
    const fields = compareFields([record, other]);
    expect(fields.filter((f) => f.differs).map((f) => f.label)).toEqual(['Base: Seed']);
  });

  it('shows the generation size only when it differs from the pixel size', () => {
    expect(generationSizeIfDifferent(record, 1024, 1536)).toBe('512×768');
    expect(generationSizeIfDifferent(record, 512, 768)).toBeNull();
  });
});
