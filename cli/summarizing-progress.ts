/** The line `memprobe report` and `gate` print on stderr for each raw snapshot they summarize first. */
export function printSummarizing(index: number, total: number, file: string): void {
  process.stderr.write(`memprobe: summarizing ${file} (${index}/${total})\n`);
}
