"""Benchmarks: ``python -m benchmarks.<name>``. Each prints newsdedup's figures next to a reference's,
measured in the same run. The data is read from ``../shared/bench-data`` (or ``$NEWSDEDUP_BENCH_DATA``);
it is never copied into the project."""
