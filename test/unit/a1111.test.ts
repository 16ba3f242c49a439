import { describe, expect, it } from 'vitest';
import { recordOf } from '../support/records.js';
import { parseInfotext } from '../../src/metadata/parsers/infotext.js';

const PARAMS = 'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3141592653, Size: 832x1216, Model hash: 45a21ea00a, Model: waiIllustriousSDXL_v160';

describe('A1111 infotext', () => {
  it('reads prompt, negative prompt and every parameter as JSON-typed fields', () => {
    const r = recordOf({ parameters: `masterpiece, 1girl\nred hair\nNegative prompt: lowres,\nbad hands\n${PARAMS}, Lora hashes: "detail: abc123, style: def456", Version: v1.10.1` });
    expect(r.generator).toBe('a1111');
    expect(r.generator_version).toBe('v1.10.1');
    expect(r.prompt).toBe('masterpiece, 1girl\nred hair');
    expect(r.negative_prompt).toBe('lowres,\nbad hands');
    expect(r.steps).toBe(28);
    expect(r.sampler).toBe('DPM++ 2M');
    expect(r.scheduler).toBe('Karras');
    expect(r.cfg).toBe(6.5);
    expect(r.seed).toBe(3141592653);
    expect([r.width, r.height, r.size]).toEqual([832, 1216, '832x1216']);
    expect(r.model).toBe('waiIllustriousSDXL_v160');
    expect(r.model_hash).toBe('45a21ea00a');
    expect(r.extra['Lora hashes']).toBe('detail: abc123, style: def456');
    expect(r.provenance.seed).toBe('png:tEXt parameters › Seed');
  });

  it.each([
    ['v1.10.1', 'a1111'],
    ['f2.0.1v1.10.1-previous-669-gdfdcbab6', 'forge'],
    ['neo', 'forge-neo'],
    ['classic', 'forge-classic'],
    ['f1.0.0v2-v1.10.1RC-latest-2498-g5120e679', 'reforge'],
    ['f1.3.0-v1.10.1RC-latest-1038-g19395bf9', 'easy-reforge'],
    ['ComfyUI', 'comfyui'],
  ])('recognises the fork from Version: %s', (version, generator) => {
    expect(recordOf({ parameters: `a\n${PARAMS}, Version: ${version}` }).generator).toBe(generator);
  });

  it('recognises SD.Next from App: and Civitai from its resource list', () => {
    expect(recordOf({ parameters: `a\nSteps: 20, Size: 1024x1024, Sampler: DDIM, App: SD.Next, Version: 56a8aea` }).generator).toBe('sdnext');
    const civitai = recordOf({ parameters: `a\n${PARAMS}, Civitai resources: [{"type":"checkpoint","modelVersionId":1}]` });
    expect(civitai.generator).toBe('civitai');
    expect(civitai.extra['Civitai resources']).toEqual([{ type: 'checkpoint', modelVersionId: 1 }]);
  });

  it('collects LoRAs from the prompt with weights and hashes', () => {
    const r = recordOf({ parameters: `a <lora:detail:0.6> <lyco:style:1>\n${PARAMS}, Lora hashes: "detail: abc123"` });
    expect(r.loras).toEqual([
      { name: 'detail', weight: 0.6, hash: 'abc123' },
      { name: 'style', weight: 1 },
    ]);
  });

  it('handles the edge cases found in the wild', () => {
    // no negative prompt
    expect(parseInfotext(`a cat\n${PARAMS}`)).toMatchObject({ prompt: 'a cat', negativePrompt: null });
    // no prompt at all
    expect(parseInfotext(`Negative prompt: bad\n${PARAMS}`)).toMatchObject({ prompt: '', negativePrompt: 'bad' });
    expect(parseInfotext(PARAMS)).toMatchObject({ prompt: '' });
    // quoted values with commas, merged-model names with brackets and +
    const merged = parseInfotext(`x\nSteps: 20, Model: "(((merge))) [a] + b, c 0.5", Sampler: Euler, Seed: 1`);
    expect(merged.params.get('Model')).toBe('(((merge))) [a] + b, c 0.5');
    expect(parseInfotext(`x\nSteps: 20, Model: [sd15]+anything_v3 (0.3)+(weird), Seed: 1`).params.get('Model')).toBe('[sd15]+anything_v3 (0.3)+(weird)');
    // lines extensions append after the parameters
    const dyn = parseInfotext(`a {red|blue} car\n${PARAMS}\nTemplate: a {red|blue} car\nNegative Template: bad`);
    expect(dyn.prompt).toBe('a {red|blue} car');
    expect(dyn.trailer).toEqual(['Template: a {red|blue} car', 'Negative Template: bad']);
    // HTML pasted in
    expect(parseInfotext(`<b>a cat</b>, <i>cute</i>\n${PARAMS}`).prompt).toBe('<b>a cat</b>, <i>cute</i>');
    // CRLF line endings keep their \r in the prompt (as the file has them)
    expect(parseInfotext(`a\r\nb\r\nNegative prompt: n\r\n${PARAMS}`).prompt).toBe('a\r\nb');
  });

  it('is not fooled by a prompt that merely mentions a colon', () => {
    const r = recordOf({ parameters: 'portrait: a woman, style: oil' });
    expect(r.generator).toBeNull();
    expect(r.raw.parameters).toBe('portrait: a woman, style: oil');
  });
});
