import { describe, expect, it } from 'vitest';
import { extractNetworks, promptPhrases } from '../../src/metadata/prompt-syntax.js';
import { deriveTags, modelTagName } from '../../src/ingest/tags.js';
import { emptyRecord } from '../../src/metadata/extract.js';

describe('prompt phrases', () => {
  it('splits on commas and newlines and strips attention weights and brackets', () => {
    expect(promptPhrases('(masterpiece:1.2), ((best quality)), [blurry], 1girl,\nred hair')).toEqual(['masterpiece', 'best quality', 'blurry', '1girl', 'red hair']);
  });

  it('handles prompt editing, alternation, BREAK and AND', () => {
    expect(promptPhrases('[cat:dog:0.5], [red|blue] ball BREAK sky AND sea')).toEqual(['cat', 'dog', 'red', 'blue ball', 'sky', 'sea']);
    expect(promptPhrases('[fireworks:10], [:snow:0.3]')).toEqual(['fireworks', 'snow']);
  });

  it('keeps escaped brackets and colons outside brackets', () => {
    expect(promptPhrases('hatsune miku \\(cosplay\\), rating:general, (artist:foo:1.1)')).toEqual(['hatsune miku (cosplay)', 'rating:general', 'artist:foo']);
  });

  it('understands NovelAI emphasis and numeric weights', () => {
    expect(promptPhrases('{{best quality}}, 1.5::rain::, -0.8::feet::, [[lowres]]')).toEqual(['best quality', 'rain', 'feet', 'lowres']);
  });

  it('drops extra networks from phrases, sentences and duplicates', () => {
    const prompt = 'a cat <lora:add_detail:0.6>, A Cat, this is a long natural language sentence describing a very detailed scene, <hypernet:foo:1>';
    expect(promptPhrases(prompt)).toEqual(['a cat']);
  });

  it('extracts LoRA, LyCORIS, hypernetwork and ComfyUI embedding references with weights', () => {
    expect(extractNetworks('x <lora:add_detail:0.6> <lyco:style v2:1> <hypernet:hn:0.3>, embedding:EasyNegative.pt')).toEqual([
      { kind: 'lora', name: 'add_detail', weight: 0.6 },
      { kind: 'lyco', name: 'style v2', weight: 1 },
      { kind: 'hypernet', name: 'hn', weight: 0.3 },
      { kind: 'embedding', name: 'EasyNegative', weight: null },
    ]);
    expect(extractNetworks('<lora:noweight>')).toEqual([{ kind: 'lora', name: 'noweight', weight: null }]);
  });
});

describe('derived tags', () => {
  it('adds namespaced model, sampler, lora and generator tags', () => {
    const record = { ...emptyRecord('x.png'), prompt: 'a fox, <lora:film_grain:0.5>', model: 'SDXL/juggernautXL_v9.safetensors', sampler: 'DPM++ 2M', generator: 'a1111' };
    expect(deriveTags(record)).toEqual([
      { name: 'a fox', source: 'prompt' },
      { name: 'lora:film_grain', source: 'prompt' },
      { name: 'model:juggernautxl_v9', source: 'model' },
      { name: 'sampler:dpm++ 2m', source: 'model' },
      { name: 'generator:a1111', source: 'model' },
    ]);
    expect(modelTagName('C:\\models\\a.ckpt')).toBe('a');
  });
});
