// Writes N bytes of Airflow-like log lines to stdout as fast as the pipe takes them (1 MiB writes, backpressure).
const total = Number(process.argv[2] ?? 0);
const lines = [];
for (let i = 0; lines.join('').length < 1 << 20; i++) {
  lines.push(
    `[2026-11-24 12:00:00,${String(i % 1000).padStart(3, '0')}] {base_task_runner.py:95} INFO - Subtask: flood line ${i} of a long-running query\n`,
  );
}
const chunk = Buffer.from(lines.join(''));
let written = 0;
function pump() {
  while (written < total) {
    const n = Math.min(chunk.length, total - written);
    written += n;
    if (!process.stdout.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
      process.stdout.once('drain', pump);
      return;
    }
  }
}
pump();
