/**
 * A rough token count: about four characters per token, as for English text. Real counts differ;
 * what matters in tests is that they are deterministic and grow with the text.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
