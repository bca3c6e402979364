import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw, slug } from './html.js';
import { extractFigures } from './figure.js';
import { inlineSvg, standaloneSvg } from './inline-svg.js';

describe('html', () => {
  it('escapes interpolated text but not marked markup, and skips null, undefined and false', () => {
    const name = '<script>alert("x")</script> & co';
    // prettier-ignore
    const out = html`<p title="${name}">${name}${raw('<b>ok</b>')}${null}${undefined}${false}${[1, html`<i>${'<'}</i>`]}</p>`;
    expect(out.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co<b>ok</b>1<i>&lt;</i></p>',
    );
    expect(escapeHtml("it's")).toBe('it&#39;s');
  });

  it('makes readable fragment ids', () => {
    expect(slug('KDDTest+')).toBe('kddtest-plus');
    expect(slug('KDDTrain+ (random 20% hold-out)')).toBe('kddtrain-plus-random-20-hold-out');
    expect(slug('???')).toBe('x');
  });
});

describe('inlineSvg', () => {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><defs><linearGradient id="gradient_1"/><clipPath id="clip1"/><clipPath id="clip10"/></defs><rect fill="url(#gradient_1)" clip-path="url(#clip1)"/><use href="#clip10"/></svg>';

  it('scopes ids per figure, drops namespace URLs and labels the root', () => {
    const inlined = inlineSvg(svg, 'fig-a', 'A "chart"');
    expect(inlined).not.toMatch(/https?:/);
    expect(inlined).toContain('id="fig-a-gradient_1"');
    expect(inlined).toContain('fill="url(#fig-a-gradient_1)"');
    expect(inlined).toContain('clip-path="url(#fig-a-clip1)"');
    expect(inlined).toContain('href="#fig-a-clip10"');
    expect(inlined).toContain('id="fig-a-clip10"');
    expect(inlined.startsWith('<svg role="img" aria-label="A &quot;chart&quot;" ')).toBe(true);
  });

  it('turns back into a standalone SVG, and figures can be found in a page', () => {
    const inlined = inlineSvg(svg, 'fig-a', 'A');
    expect(standaloneSvg(inlined)).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(standaloneSvg(svg)).toBe(svg);
    const page = `<p>x</p><figure class="chart" id="fig-a" data-figure="fig-a">\n${inlined}\n<figcaption>c</figcaption></figure><figure class="chart" id="fig-b" data-figure="fig-b">${inlined}</figure>`;
    expect(extractFigures(page)).toEqual([
      { id: 'fig-a', svg: inlined },
      { id: 'fig-b', svg: inlined },
    ]);
  });
});
