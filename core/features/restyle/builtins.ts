import type { Style } from '../../contract/restyle.js';

/**
 * What every built-in portrait prompt asks for, whatever the style: the subject kept exactly as
 * it is, framed head and shoulders, a rule for photos with several subjects, and a clean white
 * ground so the portrait can be printed or cut out.
 */
export const PORTRAIT_RULES = `Subject: the person or pet in the photo. Keep their identity exactly: the same face or muzzle, eye colour and shape, fur, hair or skin markings, scars and patterns, ears, pose, head angle and expression. Do not beautify, age, slim or change the breed, and never add or remove accessories, collars or glasses the photo does not show.

Framing: a tight head-and-shoulders portrait, the head in the upper third, centred, nothing cropped off the top of the head or the ears.

Several subjects: if they touch or overlap, portray them together as one group. If they are separate but all clearly visible, portray them together as a group. If some are clear and others blurred, cut off or in the distance, portray only the clearest one.

Background: remove it completely and place the subject on a pure white (#FFFFFF) ground, with no shadow, floor, frame, text, signature or watermark.`;

const style = (id: string, name: string, look: string): Style => ({
  id,
  builtin: true,
  name,
  prompt: `${look}\n\n${PORTRAIT_RULES}`,
  model: 'gemini-2.5-flash-image',
  aspectRatio: '4:5',
  imageSize: '1K',
  temperature: null,
  topP: null,
  topK: null,
  createdAt: null,
  updatedAt: null,
  samples: [],
});

/** The styles that ship with Pixelsmith. They cannot be edited; duplicating one makes a user style. */
export const BUILTIN_STYLES: readonly Style[] = [
  style(
    'bw_fine_art',
    'B&W fine art',
    'Restyle this photo as a black-and-white fine-art portrait: a silver-gelatin print look with deep, rich blacks, luminous highlights and a full tonal range, soft directional studio light from one side that models the face, fine natural film grain, crisp detail in the eyes and in every hair. Strictly monochrome, no colour tint.',
  ),
  style(
    'ink_wash',
    'Ink wash',
    'Restyle this photo as an East-Asian ink wash painting (sumi-e) on white rice paper: expressive, confident brush strokes in black ink with graded grey washes, the form suggested with as few strokes as possible, soft ink bleeding at the edges, dry-brush texture for fur or hair, and generous untouched white space. Black and greys only; no seal, stamp or written characters.',
  ),
  style(
    'van_gogh',
    'Van Gogh',
    'Restyle this photo as a Van Gogh post-impressionist oil portrait: thick impasto paint with short, directional, rhythmic brush strokes that follow the forms, vivid complementary colours (cobalt and ultramarine blues against chrome yellows and oranges), visible canvas texture, and swirling energy in the strokes of the hair or fur while the face stays clearly readable.',
  ),
];

export function builtinStyle(id: string): Style | undefined {
  return BUILTIN_STYLES.find((s) => s.id === id);
}
