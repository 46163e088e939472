"""Speed, memory and accuracy measurements. `./dev bench` (or `python -m benchmarks`) runs them all."""
