import type { ChatRequest, RoutingTier } from '@switchyard/contracts';
import { messageText } from '../metering/token-counter';

/** What the classifier saw; reported for tests and logs. */
export interface PromptFeatures {
  characters: number;
  messages: number;
  code: boolean;
  codeBlocks: number;
  math: boolean;
  /** "prove that", "derive", "show that", a proof. */
  proofAsk: boolean;
  /** "step by step", "think carefully", "reason through". */
  reasoningAsk: boolean;
  /** Three or more numbered steps, or first/then … finally sequencing. */
  multiStep: boolean;
  tools: number;
  /** `reasoning.effort` / `reasoning_effort` medium or high (or a reasoning token budget). */
  reasoningParameter: boolean;
}

export interface PromptClassification {
  tier: RoutingTier;
  score: number;
  features: PromptFeatures;
}

/** Only this much text is scanned (the start and the end of the conversation): the classifier stays well under 1 ms. */
const SCANNED_CHARACTERS_MAX = 6_000;

const CODE = /```|\b(def|fn|func|function)\s+\w+\s*\(|\bclass\s+\w+[\s:{(]|=>|#include\s*<|\bimport\s+[\w{*]|\bconsole\.log\(|\bSELECT\s+[\w*,\s]+\s+FROM\b|\bpublic\s+static\b|^\s*(const|let|var)\s+\w+\s*=/im;
const MATH = /\\(frac|int|sum|sqrt|lim|prod|begin\{|mathbb|cdot)|\$[^$\n]{0,100}[\\^_=][^$\n]{0,100}\$|[∫∑√∏∞≤≥≠∀∃]|\b(integral|derivative|equation|theorem|lemma|corollary|matrix|eigenvalues?|polynomial|probability|prime numbers?|irrational|modulo|induction)\b|\b\d+\s*[\^*/]\s*\d+\b|\b[a-z]\s*\^\s*\d/;
const PROOF_ASK = /\b(prove|proof of|proof that|give a proof|derive|show that|demonstrate that|formally verify)\b/;
const REASONING_ASK = /\b(step[- ]by[- ]step|think (carefully|hard|deeply|it through|step)|reason (through|about|carefully)|chain of thought|rigorous(ly)?|justify (each|every|your))\b/;
const NUMBERED_STEP = /^\s*(\d+[.)]|step \d+[:.])\s+\S/gm;
const SEQUENCING = /\b(first|then)\b[\s\S]{0,400}\b(finally|lastly|after that)\b/;

/**
 * Sorts a request into a tier from cheap local features (length, code, math, tool use, explicit reasoning asks), in the
 * spirit of LiteLLM's rule-based complexity router: no model call, no tokenizer.
 *   reasoning: a reasoning parameter; a proof or derivation asked for; step-by-step asks over math or multi-step work
 *   complex / medium / simple: by a score of length, code, math, steps, tools and conversation size
 */
export function classifyPrompt(request: ChatRequest): PromptClassification {
  const features = promptFeatures(request);
  if (features.reasoningParameter || features.proofAsk || (features.reasoningAsk && (features.math || features.multiStep))) {
    return { tier: 'reasoning', score: Number.POSITIVE_INFINITY, features };
  }
  let score = 0;
  if (features.characters > 12_000) score += 3;
  else if (features.characters > 3_000) score += 2;
  else if (features.characters > 600) score += 1;
  if (features.code) score += features.codeBlocks >= 2 || features.characters > 2_000 ? 3 : 2;
  if (features.math) score += 1;
  if (features.reasoningAsk) score += 2;
  if (features.multiStep) score += 1;
  if (features.tools > 0) score += features.tools > 5 ? 2 : 1;
  if (features.messages > 10) score += 1;
  const tier: RoutingTier = score >= 4 ? 'complex' : score >= 1 ? 'medium' : 'simple';
  return { tier, score, features };
}

export function promptFeatures(request: ChatRequest): PromptFeatures {
  let characters = 0;
  const texts: string[] = [];
  for (const message of request.messages) {
    if (message.role === 'tool') continue;
    const text = messageText(message);
    characters += text.length;
    texts.push(text);
  }
  const joined = texts.join('\n');
  const scanned = joined.length <= SCANNED_CHARACTERS_MAX ? joined : `${joined.slice(0, SCANNED_CHARACTERS_MAX / 2)}\n${joined.slice(-SCANNED_CHARACTERS_MAX / 2)}`;
  // Lower-cased once: the word patterns then run without the (slower) case-insensitive flag.
  const lower = scanned.toLowerCase();
  const effort = request.reasoning?.effort ?? request.reasoning_effort;
  return {
    characters,
    messages: request.messages.length,
    code: CODE.test(scanned),
    codeBlocks: Math.floor((scanned.match(/```/g)?.length ?? 0) / 2),
    math: MATH.test(lower),
    proofAsk: PROOF_ASK.test(lower),
    reasoningAsk: REASONING_ASK.test(lower),
    multiStep: (lower.match(NUMBERED_STEP)?.length ?? 0) >= 3 || SEQUENCING.test(lower),
    tools: request.tools?.length ?? 0,
    reasoningParameter: effort === 'medium' || effort === 'high' || request.reasoning?.max_tokens !== undefined,
  };
}
