#!/usr/bin/env python3
"""Times commands in turn, in a new random order each round, so that a machine whose speed
drifts (a VM's does, by ~25% within an hour here) weighs on each the same; hyperfine runs each
command's runs together. Prints the median and the fastest run of each, and their ratios to
the first command's.

Usage: python3 bench/interleave.py ROUNDS 'name=PREPARE::COMMAND' ...
  PREPARE runs in a shell before each run of COMMAND (may be empty); COMMAND runs without a
  shell, its output discarded. Two warm-up rounds are not counted.
Example (1,000 servers on tmpfs, from `python3 bench/gen-stack.py 1000 /dev/shm/s`):
  cd /dev/shm/s && mcpstack --quiet render && cp -r deploy /dev/shm/out
  python3 bench/interleave.py 40 'cp=rm -rf /dev/shm/copy::cp -r /dev/shm/out /dev/shm/copy' \\
      "new=rm -rf deploy::$PWD/target/release/mcpstack --quiet render"
"""
import random
import shlex
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = []
    for arg in sys.argv[2:]:
        name, rest = arg.split("=", 1)
        prepare, command = rest.split("::", 1)
        commands.append((name, prepare, shlex.split(command)))
    times = {name: [] for name, _, _ in commands}
    for round_ in range(rounds + 2):
        order = list(commands)
        random.shuffle(order)
        for name, prepare, argv in order:
            if prepare:
                subprocess.run(prepare, shell=True, check=True)
            start = time.perf_counter()
            done = subprocess.run(argv, stdout=subprocess.DEVNULL)
            elapsed = (time.perf_counter() - start) * 1000
            if done.returncode != 0:
                sys.exit(f"{name} exited with {done.returncode}")
            if round_ >= 2:
                times[name].append(elapsed)
    first = None
    for name, _, _ in commands:
        median, fastest = statistics.median(times[name]), min(times[name])
        first = first or (median, fastest)
        print(
            f"{name:12} median {median:7.1f} ms  min {fastest:7.1f} ms"
            f"  ratio {median / first[0]:.2f} (by the mins {fastest / first[1]:.2f})"
        )


if __name__ == "__main__":
    main()
