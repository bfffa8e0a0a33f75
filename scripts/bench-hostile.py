#!/usr/bin/env python3
"""Every XML input samla reads, made hostile three ways, by every command that reads it.

The shapes are issue 15's: nested DEPTH deep (default 100,000), a text node of SIZE bytes
and an attribute of SIZE bytes (default 200 MB), each put just inside (or on) the file's
first field. Prints the exit code, the wall time, the peak RSS and what samla said, one
line per run, and BAD where samla aborted or exited 0. The time must stay linear in
SIZE, and the memory bounded (samla reads at most 16 MiB of one value).

Usage: scripts/bench-hostile.py            (from the repository; builds samla first)
       DEPTH=1000 SIZE=20000000 ONLY=NOARK scripts/bench-hostile.py
"""
import os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
S = os.path.join(ROOT, "target/release/samla")
DEPTH = int(os.environ.get("DEPTH", "100000"))
SIZE = int(os.environ.get("SIZE", str(200 << 20)))
ONLY = os.environ.get("ONLY", "")
UUID = "6f1f3c1e-2a51-4c7e-9d0a-4b8e2f6a9c11"
JEGER = os.path.join(ROOT, "../shared/fixtures/arkade/packages/jegerregisteret98-small/"
                     "20b5f34c-4411-47c3-a0f9-0a8bca631603.tar")


def sh(args):
    subprocess.run(args, check=True)


def first_field(data):
    """After the first start tag that holds text, and that start tag's '>'."""
    m = re.search(rb"<([A-Za-z_][\w.:-]*)(\s[^<>]*)?>[^<\s]", data)
    return m.end() - 1, data.index(b">", m.start())


def variants(data):
    text_at, tag_end = first_field(data)
    deep = b"<x>" * DEPTH + b"</x>" * DEPTH
    value = b"x" * SIZE
    yield "deep", [data[:text_at], deep, data[text_at:]]
    yield "text", [data[:text_at], value, data[text_at:]]
    yield "attribute", [data[:tag_end], b' hostile="', value, b'"', data[tag_end:]]


def run(cmd, label):
    started = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, timeout=900)
    seconds = time.time() - started
    lines = p.stderr.decode("utf-8", "replace").strip().splitlines()
    rss = int(lines[-1]) // 1024 if lines and lines[-1].isdigit() else -1
    said = p.stdout + p.stderr
    message = next((l for l in lines[:-1] if l.startswith("error")), "")
    bad = b"panicked" in said or p.returncode not in (1, 2)
    print(f"{'BAD ' if bad else '':4}{label:44} exit {p.returncode:3} {seconds:6.2f} s {rss:5} MB"
          f" said {len(said):6} B  {message[:110]}", flush=True)


def main():
    sh(["cargo", "build", "--release", "-q", "--manifest-path", os.path.join(ROOT, "Cargo.toml")])
    w = tempfile.mkdtemp(prefix="samla-hostile-")
    try:
        base = os.path.join(w, "base")
        sh([S, "-q", "generate", "--seed", "1", "--mapper", "3", "--out", f"{base}/n5"])
        sh([S, "-q", "generate", "--format", "noark4", "--mapper", "5", "--out", f"{base}/n4"])
        sh([S, "-q", "package", f"{base}/n5", "--out", f"{base}/pk", "--uuid", UUID])
        os.makedirs(f"{base}/addml")
        sh(["tar", "-xf", JEGER, "-C", f"{base}/addml"])
        x, report = f"{w}/x", f"{w}/r.json"
        check = ["check", x, "--report-json", report]
        cases = [("n5", "arkivstruktur.xml", [check, ["inspect", x], ["index", x, "--out", f"{w}/ix"],
                                              ["package", x, "--out", f"{w}/pk"]])]
        cases += [("n5", f, [check]) for f in
                  ["loependeJournal.xml", "offentligJournal.xml", "endringslogg.xml", "arkivuttrekk.xml"]]
        cases += [("n4", f, [check, ["convert", x, "--out", f"{w}/cv"]]) for f in ["NOARKIH.XML", "NOARKSAK.XML"]]
        cases += [("addml", "administrative_metadata/addml.xml", [check])]
        for src, f, commands in cases:
            if ONLY and ONLY not in f:
                continue
            data = open(os.path.join(base, src, f), "rb").read()
            for shape, parts in variants(data):
                shutil.rmtree(x, ignore_errors=True)
                shutil.copytree(os.path.join(base, src), x)
                with open(os.path.join(x, f), "wb") as out:
                    for part in parts:
                        out.write(part)
                for cmd in commands:
                    for o in ["pk", "ix", "cv"]:
                        shutil.rmtree(f"{w}/{o}", ignore_errors=True)
                    run([S, "-q"] + cmd, f"{f} {shape} {cmd[0]}")
        # The package's two: dias-mets.xml inside the tar, the submission description beside it.
        for f in ["dias-mets.xml", f"{UUID}.xml"]:
            if ONLY and ONLY not in f:
                continue
            up, pk = f"{w}/u", f"{w}/p"
            for d in [up, pk]:
                shutil.rmtree(d, ignore_errors=True)
                os.makedirs(d)
            sh(["tar", "-xf", f"{base}/pk/{UUID}.tar", "-C", up])
            inside = f == "dias-mets.xml"
            path = f"{up}/{UUID}/dias-mets.xml" if inside else f"{base}/pk/{f}"
            data = open(path, "rb").read()
            for shape, parts in variants(data):
                target = path if inside else f"{pk}/{f}"
                with open(target, "wb") as out:
                    for part in parts:
                        out.write(part)
                if inside:
                    sh(["tar", "-cf", f"{pk}/{UUID}.tar", "-C", up, UUID])
                    shutil.copy(f"{base}/pk/{UUID}.xml", pk)
                    open(path, "wb").write(data)
                else:
                    shutil.copy(f"{base}/pk/{UUID}.tar", pk)
                run([S, "-q", "verify", f"{pk}/{UUID}.tar"], f"{f[:20]} {shape} verify")
    finally:
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
