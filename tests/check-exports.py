#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shared library exports exactly the functions the public headers
(include/iamwatch.h and include/iamwatch/*.h) declare with IAMW_API: nothing
else leaks (libiamwatch.sym keeps internals local), and nothing declared is
missing."""
import glob
import os
import re
import subprocess
import sys

lib, include_dir = sys.argv[1], sys.argv[2]
out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, capture_output=True,
                     text=True).stdout
exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
            if line.split()[-2] in ("T", "D", "B")}
headers = [os.path.join(include_dir, "iamwatch.h")] + sorted(
    glob.glob(os.path.join(include_dir, "iamwatch", "*.h")))
text = "".join(open(h, encoding="utf-8").read() for h in headers)
declared = set(re.findall(r"IAMW_API[^;(]*?\b(iamw_\w+)\s*\(", text, re.S))
leaked = sorted(s for s in exported if not s.startswith("iamw_"))
missing = sorted(declared - exported)
extra = sorted(exported - declared - set(leaked))
for name, items in (("not iamw_-prefixed", leaked), ("declared but not exported", missing),
                    ("exported but not declared", extra)):
    for s in items:
        print(f"{name}: {s}")
print(f"{len(exported)} exported, {len(declared)} declared")
sys.exit(1 if leaked or missing or extra else 0)
