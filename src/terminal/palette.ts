/**
 * Colors as functions, so formatting stays pure and testable: the logger builds a chalk-backed
 * palette, tests and plain output use `plainPalette`.
 */
export interface Palette {
  dim(text: string): string
  bold(text: string): string
  method(method: string, text: string): string
  status(status: number | undefined, text: string): string
  route(text: string): string
  error(text: string): string
  warn(text: string): string
  ok(text: string): string
}

const same = (text: string) => text

export const plainPalette: Palette = {
  dim: same,
  bold: same,
  method: (_method, text) => text,
  status: (_status, text) => text,
  route: same,
  error: same,
  warn: same,
  ok: same,
}
