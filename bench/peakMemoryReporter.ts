// Preloaded with `--import` into the sync process that the bench starts: at
// exit it writes the process's peak resident memory to stderr, where the
// bench reads it.
process.on('exit', () => {
  process.stderr.write(`BENCH_PEAK_RSS_KB ${process.resourceUsage().maxRSS}\n`);
});
