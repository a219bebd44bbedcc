import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GoogleApiError, invalidArgument, modelNotFound } from './errors.js';
import {
  inputImageTokens,
  isAspectRatio,
  isDecodable,
  renderImage,
  textTokens,
  type WireImage,
} from './images.js';
import type { EmptyImageResponse, SafetyBlockResponse } from './inject.js';
import type { FakeModel } from './models.js';

// Loose objects: the real API takes many more fields (tools, safetySettings…) that the fake
// accepts and ignores; only what it acts on is checked.
const Part = z.looseObject({
  text: z.string().optional(),
  inlineData: z.looseObject({ mimeType: z.string(), data: z.string() }).optional(),
  fileData: z.looseObject({ mimeType: z.string().optional(), fileUri: z.string() }).optional(),
});
const Content = z.looseObject({ role: z.string().optional(), parts: z.array(Part).default([]) });
const GenerationConfig = z.looseObject({
  candidateCount: z.number().int().optional(),
  seed: z.number().int().optional(),
  responseModalities: z.array(z.string()).optional(),
  imageConfig: z
    .looseObject({ aspectRatio: z.string().optional(), imageSize: z.string().optional() })
    .optional(),
});
const Request = z.looseObject({
  contents: z.array(Content).optional(),
  systemInstruction: Content.optional(),
  generationConfig: GenerationConfig.optional(),
  // JSONL batch inputs in Google's own examples use snake_case here.
  generation_config: GenerationConfig.optional(),
});

/** The fields of a GenerateContentResponse the fake fills in. */
export interface GenerateResponse {
  candidates?: Record<string, unknown>[];
  promptFeedback?: { blockReason: string };
  usageMetadata: Record<string, unknown>;
  modelVersion: string;
  responseId: string;
}

/** What generation needs from the rest of the fake. */
export interface GenerateDeps {
  models: ReadonlyMap<string, FakeModel>;
  /** Bytes of an uploaded file named by `fileData.fileUri`, or an error to answer with. */
  resolveFile: (fileUri: string, project: string) => WireImage;
  /** Long side of images drawn without an input image. */
  generatedSide: number;
}

/** A parsed request: the prompt, input images and the options the fake honours. */
interface Parsed {
  prompt: string;
  systemText: string;
  images: WireImage[];
  config: z.infer<typeof GenerationConfig>;
}

/**
 * Runs one generateContent call: validates the request like the real API (400s for what it
 * rejects), draws the image and counts tokens. `override` is an injected safety block or empty
 * image, which still validates the request first, as the real model only blocks valid ones.
 */
export async function generateContent(
  deps: GenerateDeps,
  project: string,
  modelId: string,
  raw: unknown,
  override?: SafetyBlockResponse | EmptyImageResponse,
): Promise<GenerateResponse> {
  const model = deps.models.get(modelId);
  if (!model) throw modelNotFound(modelId);
  const req = await parse(deps, project, model, raw);
  const imageTokens = (await Promise.all(req.images.map(inputImageTokens))).reduce((a, b) => a + b, 0);
  const textIn = textTokens(req.prompt) + textTokens(req.systemText);
  const promptDetails = [
    ...(textIn > 0 ? [{ modality: 'TEXT', tokenCount: textIn }] : []),
    ...(imageTokens > 0 ? [{ modality: 'IMAGE', tokenCount: imageTokens }] : []),
  ];
  const promptTokenCount = textIn + imageTokens;
  const base = { modelVersion: model.id, responseId: randomBytes(12).toString('base64url') };
  const usage = (out: { modality: string; tokenCount: number }[]): Record<string, unknown> => {
    const candidatesTokenCount = out.reduce((a, d) => a + d.tokenCount, 0);
    return {
      promptTokenCount,
      ...(candidatesTokenCount > 0 ? { candidatesTokenCount } : {}),
      totalTokenCount: promptTokenCount + candidatesTokenCount,
      ...(promptDetails.length > 0 ? { promptTokensDetails: promptDetails } : {}),
      ...(out.length > 0 ? { candidatesTokensDetails: out } : {}),
    };
  };

  if (override && 'safetyBlock' in override) {
    if (override.safetyBlock === 'candidate') {
      const finishReason = override.reason ?? 'IMAGE_SAFETY';
      return { candidates: [{ finishReason, index: 0 }], usageMetadata: usage([]), ...base };
    }
    return {
      promptFeedback: { blockReason: override.reason ?? 'SAFETY' },
      usageMetadata: usage([]),
      ...base,
    };
  }
  if (override) {
    const finishReason = override.finishReason ?? 'NO_IMAGE';
    if (finishReason !== 'STOP')
      return { candidates: [{ finishReason, index: 0 }], usageMetadata: usage([]), ...base };
    const text = "I'm sorry, I can't create that image.";
    const content = { role: 'model', parts: [{ text }] };
    const out = [{ modality: 'TEXT', tokenCount: textTokens(text) }];
    return { candidates: [{ content, finishReason, index: 0 }], usageMetadata: usage(out), ...base };
  }

  const modalities = (req.config.responseModalities ?? ['TEXT', 'IMAGE']).map((m) => m.toUpperCase());
  const parts: Record<string, unknown>[] = [];
  const out: { modality: string; tokenCount: number }[] = [];
  const wantsText = modalities.includes('TEXT') || !model.outputsImages;
  if (wantsText) {
    const text = model.outputsImages
      ? `Here is the restyled image: ${req.prompt.slice(0, 120)}`
      : `Fake ${model.id} reply to: ${req.prompt.slice(0, 200)}`;
    parts.push({ text });
    out.push({ modality: 'TEXT', tokenCount: textTokens(text) });
  }
  if (model.outputsImages && modalities.includes('IMAGE')) {
    const img = await renderImage({
      prompt: req.prompt,
      model: model.id,
      seed: req.config.seed,
      input: req.images.at(-1),
      aspectRatio: req.config.imageConfig?.aspectRatio,
      generatedSide: deps.generatedSide,
    });
    parts.push({ inlineData: { mimeType: img.mimeType, data: img.bytes.toString('base64') } });
    out.push({
      modality: 'IMAGE',
      tokenCount: model.imageTokens?.(req.config.imageConfig?.imageSize) ?? 1290,
    });
  }
  const content = { role: 'model', parts };
  return { candidates: [{ content, finishReason: 'STOP', index: 0 }], usageMetadata: usage(out), ...base };
}

async function parse(deps: GenerateDeps, project: string, model: FakeModel, raw: unknown): Promise<Parsed> {
  const result = Request.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidArgument(
      `Invalid JSON payload received. ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const body = result.data;
  if (!body.contents || body.contents.length === 0) {
    throw invalidArgument('* GenerateContentRequest.contents: contents is not specified\n');
  }
  const config = body.generationConfig ?? body.generation_config ?? {};
  const multiCandidateModel = model.outputsImages || model.id.startsWith('gemini-3');
  if ((config.candidateCount ?? 1) > 1 && multiCandidateModel) {
    throw invalidArgument(`Multiple candidates is not enabled for models/${model.id}`);
  }
  const modalities = (config.responseModalities ?? []).map((m) => m.toUpperCase());
  if (!model.outputsImages && modalities.includes('IMAGE')) {
    throw invalidArgument('Model does not support the requested response modalities: image');
  }
  const aspect = config.imageConfig?.aspectRatio;
  if (aspect !== undefined && !isAspectRatio(aspect)) {
    throw invalidArgument(
      `Unsupported aspect ratio: ${aspect}. Supported: 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9.`,
    );
  }
  const size = config.imageConfig?.imageSize;
  if (size !== undefined && !['512', '1K', '2K', '4K'].includes(size)) {
    throw invalidArgument(`Unsupported image size: ${size}. Supported: 1K, 2K, 4K (uppercase K).`);
  }

  const texts: string[] = [];
  const images: WireImage[] = [];
  for (const content of body.contents) {
    for (const part of content.parts) {
      if (part.text !== undefined) texts.push(part.text);
      if (part.inlineData) {
        const bytes = Buffer.from(part.inlineData.data, 'base64');
        if (part.inlineData.mimeType.startsWith('image/')) {
          if (!(await isDecodable(bytes))) {
            throw new GoogleApiError(
              400,
              'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
              'INVALID_ARGUMENT',
            );
          }
          images.push({ bytes, mimeType: part.inlineData.mimeType });
        }
      }
      if (part.fileData) {
        const file = deps.resolveFile(part.fileData.fileUri, project);
        if (file.mimeType.startsWith('image/')) images.push(file);
      }
    }
  }
  const systemText = (body.systemInstruction?.parts ?? []).map((p) => p.text ?? '').join('\n');
  return { prompt: texts.join('\n'), systemText, images, config };
}
