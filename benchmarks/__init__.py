"""Research scripts of sk-swat: the CORNN harness (``benchmarks.cornn``) and timing scripts; not installed."""
