"""`make bench`: every bench/bench_*.py in its own process, with the machine it ran on.

Sizes come from JBP_BENCH_SCALE: "small" (default, a few minutes) or "full" (the issues' sizes).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown cpu")
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> int:
    benches = sorted(Path(__file__).parent.glob("bench_*.py"))
    only = sys.argv[1:]
    print(f"machine: {machine()}")
    pg = "set" if os.environ.get("JBP_TEST_PG") else "unset"
    print(f"scale: {os.environ.get('JBP_BENCH_SCALE', 'small')}  (JBP_TEST_PG {pg})")
    failed = 0
    for bench in benches:
        name = bench.stem
        if only and name not in only:
            continue
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        print(f"== {name} finished in {time.perf_counter() - started:.1f} s (exit {result.returncode})", flush=True)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
