/**
 * Places text labels next to chart points so that no two labels overlap, no label covers another point and every
 * label stays inside the plot. Text width is estimated from the character count (generously, so the real glyphs are
 * narrower than the box reserved for them); a point whose label fits nowhere stays unlabelled (its hover title still
 * names it).
 */

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface LabelRequest {
  readonly x: number;
  readonly y: number;
  readonly text: string;
}

export interface PlacedLabel {
  /** Text anchor point (SVG x/y of the baseline). */
  readonly x: number;
  readonly y: number;
  readonly anchor: 'start' | 'end' | 'middle';
  /** The box reserved for the text. */
  readonly box: Box;
}

/** Average advance of a character as a share of the font size; proportional sans fonts stay below it. */
const CHAR_WIDTH = 0.62;

export function textBox(
  x: number,
  y: number,
  anchor: PlacedLabel['anchor'],
  text: string,
  fontSize: number,
): Box {
  const w = text.length * fontSize * CHAR_WIDTH;
  const left = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  return { x: left, y: y - fontSize * 0.85, w, h: fontSize * 1.1 };
}

export const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

const inside = (a: Box, bounds: Box) =>
  a.x >= bounds.x && a.y >= bounds.y && a.x + a.w <= bounds.x + bounds.w && a.y + a.h <= bounds.y + bounds.h;

/**
 * Labels in request order (most important first). `obstacles` are the points' circles as boxes; a label may touch its
 * own point's box but not another's.
 */
export function placeLabels(
  requests: readonly LabelRequest[],
  obstacles: readonly Box[],
  bounds: Box,
  fontSize: number,
  pointRadius: number,
): (PlacedLabel | null)[] {
  const placed: Box[] = [];
  const gap = pointRadius + 4;
  return requests.map((r) => {
    // Beside the point (right, then left), above and below it, then one and two lines further up or down.
    const candidates: [number, number, PlacedLabel['anchor']][] = [];
    const up = r.y - gap / 2;
    const down = r.y + gap + fontSize * 0.6;
    for (const shift of [0, 1, 2]) {
      const line = shift * fontSize * 1.2;
      candidates.push(
        [r.x + gap, up - line, 'start'],
        [r.x - gap, up - line, 'end'],
        [r.x + gap, down + line, 'start'],
        [r.x - gap, down + line, 'end'],
        [r.x, r.y - gap - 2 - line, 'middle'],
        [r.x, r.y + gap + fontSize + line, 'middle'],
      );
    }
    for (const [x, y, anchor] of candidates) {
      const box = textBox(x, y, anchor, r.text, fontSize);
      if (!inside(box, bounds)) continue;
      if (placed.some((p) => overlaps(p, box))) continue;
      const own = (o: Box) => Math.abs(o.x + o.w / 2 - r.x) < 0.01 && Math.abs(o.y + o.h / 2 - r.y) < 0.01;
      if (obstacles.some((o) => !own(o) && overlaps(o, box))) continue;
      placed.push(box);
      return { x, y, anchor, box };
    }
    return null;
  });
}
