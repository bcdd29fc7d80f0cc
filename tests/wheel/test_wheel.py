# SPDX-License-Identifier: MIT
"""The Python wheel, end to end: `pip install .` at the repository root.

1. Copy the source tree to a temporary folder and build the wheel there with
   meson-python (`pip wheel --no-build-isolation --no-deps --no-index`, and
   --werror), timed.
   meson-python 0.12 works inside the tree it builds: it makes its working
   folder there (.mesonpy-XXXX) and leaves .mesonpy-native-file.ini behind,
   so building from a copy is what keeps the source tree untouched; the test
   checks that the source tree did not change.
2. Check the wheel: the iamwatch package (every file of
   bindings/python/iamwatch), libiamwatch.so next to it with no RPATH or
   RUNPATH, nothing else (no program, headers, pkg-config file or manual), a
   platform tag, and meson.build's project version.
3. Install it into a fresh venv (no --system-site-packages: iamwatch needs
   nothing else) with `pip install --no-deps --no-index`, and run
   wheel_scan.py there with a clean environment (no IAMWATCH_LIBRARY, no
   PYTHONPATH, cwd and HOME in the temporary folder): the library must come
   from inside the installed package and be the only libiamwatch mapped, and
   Engine + load_rules(pack_text("iam-changes")) + ingest_lines + drain must
   give the same SNS bodies as `iamwatch scan --rules iam-changes --format sns`.
   IAMWATCH_LIBRARY still overrides the bundled copy.
4. The package without the library (`pip install ./bindings/python`) still
   builds, carries the same metadata and version, and scans the same through
   IAMWATCH_LIBRARY.
5. `pip install --no-build-isolation .` itself, run in the (copied) root from
   a venv made with --system-site-packages (where pip can import Debian's
   mesonpy), installs a package that loads its bundled library and scans the same.

Exit status 77 (skipped) only when meson-python (Debian: python3-mesonpy) is
not installed for this interpreter.

Environment (set by tests/meson.build):
  IAMWATCH_PROGRAM      the iamwatch program of this build
  IAMW_BUILD_LIBRARY    libiamwatch.so of this build (for the override checks)
  IAMW_PROJECT_VERSION  meson.build's project version
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(ROOT, "examples", "data", "stratus-red-team-detonation-logs.ndjson.gz")
PACK = "iam-changes"
PACKAGE_DIR = os.path.join(ROOT, "bindings", "python", "iamwatch")

passed = failed = 0


class Fatal(Exception):
    """A step the following ones depend on failed."""


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok      %s" % what)
    else:
        failed += 1
        print("FAILED  %s%s" % (what, ("\n        " + detail.replace("\n", "\n        ")) if detail else ""))
    return ok


def run(cmd, what, **kw):
    """Run cmd; a non-zero exit is fatal (its output is printed)."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        check(False, what, "%s exited %d:\n%s" % (" ".join(cmd), r.returncode, r.stdout[-6000:]))
        raise Fatal(what)
    return r


def is_build_dir(path):
    return os.path.isdir(os.path.join(path, "meson-private"))


def copy_ignore(d, names):
    """What a copy of the source tree leaves out: git, meson build folders,
    meson-python and setuptools leftovers, byte code."""
    return [n for n in names
            if n in (".git", "__pycache__") or n.startswith(".mesonpy") or n.endswith(".egg-info")
            or (n == "build" and d == os.path.join(ROOT, "bindings", "python"))
            or is_build_dir(os.path.join(d, n))]


def snapshot(root):
    """Every file and folder of the source tree (path -> size and mtime), but
    for .git, meson build folders (other tests write there meanwhile) and
    __pycache__."""
    out = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [n for n in dirs if n not in (".git", "__pycache__")
                   and not is_build_dir(os.path.join(d, n))]
        for n in dirs:
            out[os.path.relpath(os.path.join(d, n), root) + "/"] = None
        for n in files:
            st = os.lstat(os.path.join(d, n))
            out[os.path.relpath(os.path.join(d, n), root)] = (st.st_size, st.st_mtime_ns)
    return out


def metadata(whl):
    """The METADATA headers of a wheel, as name -> sorted values."""
    with zipfile.ZipFile(whl) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        text = z.read(name).decode()
    head = text.split("\n\n", 1)[0]
    out = {}
    for line in head.splitlines():
        k, _, v = line.partition(": ")
        if k == "Requires-Dist":  # 'dask; extra == "dask"' or "dask ; extra == 'dask'"
            v = re.sub(r"\s+", "", v).replace("'", '"')
        out.setdefault(k, []).append(v)
    return {k: sorted(v) for k, v in out.items()}


def wheel_info(whl):
    with zipfile.ZipFile(whl) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/WHEEL"))
        text = z.read(name).decode()
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


def dynamic_section(path):
    """readelf -d of an ELF file (binutils comes with gcc)."""
    return subprocess.run(["readelf", "-d", path], stdout=subprocess.PIPE, text=True,
                          check=True).stdout


def scan_in(venv_python, env, tmp, what):
    r = run([venv_python, os.path.join(tmp, "wheel_scan.py"), SAMPLE, PACK], what,
            env=env, cwd=tmp)
    try:
        return json.loads(r.stdout)
    except ValueError:
        check(False, what, "not JSON:\n" + r.stdout[-3000:])
        raise Fatal(what) from None


def main(tmp):
    version = os.environ["IAMW_PROJECT_VERSION"]
    program = os.environ["IAMWATCH_PROGRAM"]
    build_library = os.environ["IAMW_BUILD_LIBRARY"]
    check(not os.path.realpath(tmp).startswith(os.path.realpath(ROOT) + os.sep),
          "the temporary folder %s is outside the source tree" % tmp)

    # The environment of the builds: this one without the binding's variables
    # or pip's configuration; HOME in tmp, so that nothing is cached outside.
    build_env = {k: v for k, v in os.environ.items()
                 if k not in ("IAMWATCH_LIBRARY", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
                              "LD_LIBRARY_PATH")
                 and not k.startswith("PIP_")}
    build_env.update(HOME=os.path.join(tmp, "home"), PIP_DISABLE_PIP_VERSION_CHECK="1",
                     PIP_NO_CACHE_DIR="1")
    os.makedirs(build_env["HOME"])

    # 1. Build the wheel from a copy of the source tree.
    before = snapshot(ROOT)
    src = os.path.join(tmp, "src")
    shutil.copytree(ROOT, src, ignore=copy_ignore, symlinks=True)
    wheels = os.path.join(tmp, "wheels")
    t0 = time.monotonic()
    # --werror as scripts/run-tests.sh builds: the wheel's build (meson-python's
    # -Doptimization=2 -Ddebug=false, -Dpython=true) stays warnings-clean too.
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
         "--config-settings", "setup-args=--werror", "-w", wheels, src],
        "pip wheel at the repository root", env=build_env, cwd=tmp)
    seconds = time.monotonic() - t0
    built = sorted(os.listdir(wheels))
    check(len(built) == 1 and built[0].startswith("iamwatch-%s-" % version),
          "one wheel iamwatch-%s-*.whl built in %.1f s: %s" % (version, seconds, built))
    whl = os.path.join(wheels, built[0])
    leftovers = sorted(n for n in os.listdir(src) if n.startswith(".mesonpy"))
    print("note    meson-python left %s in the tree it built (the copy)" % (leftovers or "nothing"))

    # 2. What the wheel holds.
    with zipfile.ZipFile(whl) as z:
        names = set(z.namelist())
    payload = {n for n in names if ".dist-info/" not in n}
    want = {"iamwatch/" + n for n in os.listdir(PACKAGE_DIR) if n != "__pycache__"}
    want.add("iamwatch/libiamwatch.so")
    check(payload == want, "the wheel holds the iamwatch package and libiamwatch.so, nothing else",
          "missing %s, unexpected %s" % (sorted(want - payload), sorted(payload - want)))
    info = wheel_info(whl)
    check(info.get("Root-Is-Purelib") == "false" and not info.get("Tag", "").endswith("-any"),
          "the wheel is platform-specific (%s)" % info.get("Tag"))
    meta = metadata(whl)
    check(meta.get("Version") == [version],
          "the wheel's version is meson.build's (%s): %s" % (version, meta.get("Version")))
    unpacked = os.path.join(tmp, "unpacked")
    with zipfile.ZipFile(whl) as z:
        z.extract("iamwatch/libiamwatch.so", unpacked)
    dyn = dynamic_section(os.path.join(unpacked, "iamwatch", "libiamwatch.so"))
    check("RPATH" not in dyn and "RUNPATH" not in dyn and "[libiamwatch.so]" in dyn,
          "libiamwatch.so has no RPATH or RUNPATH and is its own soname", dyn)

    # 3. Install into a fresh venv; scan there with a clean environment.
    shutil.copy(os.path.join(HERE, "wheel_scan.py"), tmp)
    venv = os.path.join(tmp, "venv")
    run([sys.executable, "-m", "venv", venv], "python3 -m venv", env=build_env, cwd=tmp)
    vpy = os.path.join(venv, "bin", "python")
    clean = {"PATH": os.path.join(venv, "bin") + os.pathsep + os.defpath,
             "HOME": build_env["HOME"], "LANG": "C.UTF-8",
             "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"}
    run([vpy, "-m", "pip", "install", "--no-deps", "--no-index", whl], "pip install the wheel",
        env=clean, cwd=tmp)
    cli = run([program, "scan", "--rules", PACK, "--format", "sns", "--quiet",
               SAMPLE], "iamwatch scan", cwd=tmp).stdout.splitlines()
    check(len(cli) > 0 and any('"NewStateValue":"ALARM"' in l for l in cli),
          "iamwatch scan --rules %s: %d notifications, some ALARM" % (PACK, len(cli)))

    res = scan_in(vpy, clean, tmp, "wheel_scan.py in the venv")
    pkg = os.path.realpath(res["package_dir"])
    check(pkg.startswith(os.path.realpath(venv) + os.sep) and "site-packages" in pkg,
          "iamwatch is imported from the venv's site-packages: %s" % pkg)
    bundled = os.path.realpath(os.path.join(pkg, "libiamwatch.so"))
    check(res["loaded"] == res["bundled"] and os.path.realpath(res["loaded"]) == bundled,
          "the library was loaded from inside the installed package: %s" % res["loaded"])
    check(res["mapped"] == [bundled], "it is the only libiamwatch mapped: %s" % res["mapped"])
    check(res["version"] == res["binding_version"] == res["dist_version"] == version,
          "library, binding and distribution versions are %s: %s, %s, %s"
          % (version, res["version"], res["binding_version"], res["dist_version"]))
    check(PACK in res["packs"] and res["report"]["errors"] == 0 and res["report"]["events"] > 0,
          "pack %s is built in; %d events ingested, no errors" % (PACK, res["report"]["events"]))
    # The binding's Engine replays with the program's default delay (300 s).
    check(res["sns"] == cli, "Engine.ingest_lines + drain in the venv: the same %d SNS bodies as "
          "iamwatch scan" % len(cli), first_difference(res["sns"], cli))

    over = scan_in(vpy, dict(clean, IAMWATCH_LIBRARY=build_library), tmp,
                   "wheel_scan.py with IAMWATCH_LIBRARY")
    check(over["loaded"] == build_library
          and over["mapped"] == [os.path.realpath(build_library)] and over["sns"] == cli,
          "IAMWATCH_LIBRARY overrides the bundled library: %s" % over["mapped"])

    # 4. The package alone (bindings/python, setuptools), over this build's library.
    pure_wheels = os.path.join(tmp, "pure-wheels")
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
         "-w", pure_wheels, os.path.join(src, "bindings", "python")],
        "pip wheel ./bindings/python", env=build_env, cwd=tmp)
    pure = os.path.join(pure_wheels, sorted(os.listdir(pure_wheels))[0])
    with zipfile.ZipFile(pure) as z:
        pure_payload = {n for n in z.namelist() if ".dist-info/" not in n}
    check(pure_payload == want - {"iamwatch/libiamwatch.so"} and pure.endswith("-py3-none-any.whl"),
          "bindings/python builds the package alone: %s" % os.path.basename(pure),
          str(sorted(pure_payload)))
    fields = ("Name", "Version", "Summary", "License", "Requires-Python", "Classifier",
              "Provides-Extra", "Requires-Dist", "Description-Content-Type")
    pure_meta = metadata(pure)
    differ = [f for f in fields if meta.get(f) != pure_meta.get(f)]
    check(not differ, "both pyproject.toml files give the same metadata and version",
          "\n".join("%s: %s != %s" % (f, meta.get(f), pure_meta.get(f)) for f in differ))
    venv2 = os.path.join(tmp, "venv-pure")
    run([sys.executable, "-m", "venv", venv2], "python3 -m venv (package alone)", env=build_env,
        cwd=tmp)
    vpy2 = os.path.join(venv2, "bin", "python")
    run([vpy2, "-m", "pip", "install", "--no-deps", "--no-index", pure],
        "pip install the package alone", env=clean, cwd=tmp)
    res2 = scan_in(vpy2, dict(clean, IAMWATCH_LIBRARY=build_library), tmp,
                   "wheel_scan.py over the package alone")
    check(not res2["bundled_exists"] and res2["loaded"] == build_library and res2["sns"] == cli,
          "the package alone loads IAMWATCH_LIBRARY and scans the same")

    # 5. The one-step install a user types at the root, `pip install
    # --no-build-isolation .`, inside a venv: that venv needs
    # --system-site-packages, for pip to import the build backend (Debian's
    # mesonpy) there; the plain venv of step 3 shows the wheel itself needs nothing.
    venv3 = os.path.join(tmp, "venv-root")
    run([sys.executable, "-m", "venv", "--system-site-packages", venv3],
        "python3 -m venv --system-site-packages", env=build_env, cwd=tmp)
    vpy3 = os.path.join(venv3, "bin", "python")
    run([vpy3, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index", src],
        "pip install --no-build-isolation . in a venv", env=dict(clean, HOME=build_env["HOME"]),
        cwd=src)
    res3 = scan_in(vpy3, clean, tmp, "wheel_scan.py after pip install .")
    pkg3 = os.path.realpath(res3["package_dir"])
    check(pkg3.startswith(os.path.realpath(venv3) + os.sep)
          and res3["mapped"] == [os.path.join(pkg3, "libiamwatch.so")] and res3["sns"] == cli,
          "pip install --no-build-isolation . in a venv: bundled library loaded, the same scan")

    after = snapshot(ROOT)
    changed = sorted(k for k in set(before) | set(after) if before.get(k, 0) != after.get(k, 0))
    check(not changed, "the source tree is unchanged", "\n".join(changed[:20]))


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "notification %d:\n  venv: %s\n  scan: %s" % (i, x, y)
    return "%d against %d notifications" % (len(a), len(b))


if __name__ == "__main__":
    if importlib.util.find_spec("mesonpy") is None:
        print("SKIP: meson-python is not installed for %s (Debian: apt-get install "
              "python3-mesonpy)" % sys.executable)
        sys.exit(77)
    with tempfile.TemporaryDirectory(prefix="iamwatch-wheel-") as tmp:
        try:
            main(tmp)
        except Fatal:
            pass
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)
