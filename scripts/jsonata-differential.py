#!/usr/bin/env python3
"""Differential test of Stepwell's JSONata against jsonata-js 2.0.6.

AWS Step Functions runs JSONata 2.0.6; the reference suite in ../shared
checks error codes, not messages, and covers what its authors thought of.
This generates random expressions over a fixed document (seeded, so a run is
repeatable), evaluates each with jsonata-js 2.0.6 (installed from npm into
target/jsonata-js) and with Stepwell (crates/jsonata/examples/eval_lines.rs),
and counts the cases whose answers agree exactly: the same value, or the
same error code with the same message.

    python3 scripts/jsonata-differential.py [--seed 1] [--cases 3000]
        [--at-least N] [--show 20]

With --at-least, exit 1 when fewer than N cases agree (CI's gate: a change
that loses agreement is a regression). Needs node and npm.
"""
import argparse
import collections
import json
import os
import random
import select
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "scripts", "jsonata-differential")

DATA = {"a": 1, "b": "hello", "c": [1, 2, 3.5, -4],
        "d": {"e": "x", "f": [{"g": 1, "h": "p"}, {"g": 2, "h": "q"}, {"g": 2, "h": "r"}]},
        "n": None, "t": True, "s": "The quick brown fox", "arr": [[1, 2], [3, [4, 5]]],
        "e": [], "o": {}}
NUMBERS = ["0", "1", "2", "3", "-1", "0.5", "1.5", "-2.5", "10", "100", "1e3", "1.23456789",
           "0.1", "3.14159", "1e21", "1e-7", "255", "7", "-0", "123456789012", "2.675", "0.125"]
STRINGS = ['"a"', '"abc"', '"Hello World"', '""', '" x "', '"a,b,c"', '"123"', '"1e2"', '"ß"',
           '"é"', '"2024-01-15T10:20:30Z"', '"true"', '"null"', '"ab"', '"foo bar baz"']
PATHS = ["a", "b", "c", "c[0]", "c[-1]", "c[[0..1]]", "d.f.g", "d.f[g=2].h", "d.f[0].h", "d.f.h",
         "**.g", "d.*", "$", "d.f.(g*2)", "d.f{h: g}", "d.f{h: $sum(g)}", "d.f^(>g).h",
         "d.f^(h).g", 'd.f#$i.{"i": $i, "h": h}', "s", "n", "t", "arr", "arr[0]", "arr[1][1]",
         "e", "o", "d.f[g>1]", "c[$>1]", 'd.f[h in ["p","r"]].g', "nope", "d.nope.x",
         "d.f.g[0]", "d.f[1]", "$.c", "c.$string()", "d.f.[g,h]", "arr.$", "c[]", "d.f[-1].h"]
ONE_ARG = ["string", "number", "length", "uppercase", "lowercase", "trim", "abs", "floor", "ceil",
           "round", "sqrt", "sum", "max", "min", "average", "count", "reverse", "sort", "distinct",
           "keys", "type", "exists", "boolean", "not", "base64encode", "encodeUrlComponent",
           "encodeUrl", "spread", "merge", "formatBase", "each", "decodeUrlComponent"]
CALLS = ["$substring(%s, %s)", "$substring(%s, %s, %s)", "$substringBefore(%s, %s)",
         "$substringAfter(%s, %s)", "$pad(%s, %s)", "$pad(%s, %s, %s)", "$contains(%s, %s)",
         "$split(%s, %s)", "$split(%s, %s, %s)", "$join(%s, %s)", "$replace(%s, %s, %s)",
         "$round(%s, %s)", "$power(%s, %s)", "$append(%s, %s)", "$zip(%s, %s)",
         "$lookup(%s, %s)", "$formatNumber(%s, %s)", "$formatInteger(%s, %s)",
         "$formatBase(%s, %s)", "$parseInteger(%s, %s)", "$fromMillis(%s, %s)",
         "$toMillis(%s, %s)"]
HIGHER = ["$map(%s, function($v, $i){ %s })", "$filter(%s, function($v){ %s })",
          "$reduce(%s, function($a, $v){ %s })", "$sort(%s, function($l, $r){ %s })",
          "$single(%s, function($v){ %s })", "$sift(%s, function($v, $k){ %s })",
          "$each(%s, function($v, $k){ %s })"]
PICTURES = ['$formatNumber(%s, "#,##0.00")', '$formatNumber(%s, "#0%%")',
            '$formatInteger(%s, "w")', '$formatInteger(%s, "I")', '$formatInteger(%s, "000")',
            "$string(%s, true)", "$number(%s)", "$round(%s, 2)", "$fromMillis(%s)",
            '$fromMillis(%s, "[Y0001]-[M01]-[D01] [H01]:[m01]")']


def generate(rng, depth):
    """One random expression, nested at most `depth` deep."""
    sub = lambda: generate(rng, depth - 1)  # noqa: E731
    literal = lambda: (rng.choice(NUMBERS) if rng.random() < 0.45 else  # noqa: E731
                       rng.choice(STRINGS) if rng.random() < 0.75 else
                       rng.choice(["true", "false", "null"]))
    if depth <= 0:
        return literal() if rng.random() < 0.5 else rng.choice(PATHS)
    k = rng.randrange(19)
    if k == 0:
        return literal()
    if k == 1:
        return rng.choice(PATHS)
    if k == 2:
        return "(%s %s %s)" % (sub(), rng.choice("+-*/%"), sub())
    if k == 3:
        return "(%s %s %s)" % (sub(), rng.choice(["=", "!=", "<", "<=", ">", ">="]), sub())
    if k == 4:
        return "(%s %s %s)" % (sub(), rng.choice(["and", "or", "&", "in"]), sub())
    if k == 5:
        return "(%s ? %s : %s)" % (sub(), sub(), sub())
    if k == 6:
        return "[%s]" % ", ".join(sub() for _ in range(rng.randrange(4)))
    if k == 7:
        keys = STRINGS[:3] + ['"k"', '"v"']
        return "{%s}" % ", ".join("%s: %s" % (rng.choice(keys), sub())
                                  for _ in range(rng.randrange(3)))
    if k == 8:
        return "$%s(%s)" % (rng.choice(ONE_ARG), sub())
    if k == 9:
        call = rng.choice(CALLS)
        return call % tuple(sub() for _ in range(call.count("%s")))
    if k == 10:
        body = rng.choice(["$v", "$v + 1", '$v & "x"', "$v > 1", "$a + $v", "$l > $r", "$k",
                           "$string($v)", "$i", "$v.g", '$type($v) = "number"', sub()])
        return rng.choice(HIGHER) % (sub(), body)
    if k == 11:
        step = rng.choice(["g", "h", "$string()", "($ * 2)", "[0]", '{"x": $}', "$uppercase()", "*"])
        return "%s.%s" % (rng.choice(PATHS), step)
    if k == 12:
        f = rng.choice(["$string()", "$count()", "$sum()", "$reverse()", "$uppercase()",
                        "$length()", '$join(",")', "$map(function($x){$x})"])
        return "%s ~> %s" % (sub(), f)
    if k == 13:
        return "-%s" % sub()
    if k == 14:
        use = rng.choice(["$x", "$x + 1", "$x & $x", "[$x, $x]", "$count($x)", "$x.g", sub()])
        return "($x := %s; %s)" % (sub(), use)
    if k == 15:
        return "[%s..%s]" % (rng.choice("01-3"), rng.choice(["0", "2", "5", "-1", "3"]))
    if k == 16:
        return rng.choice(PICTURES) % sub()
    if k == 17:
        return "%s[%s]" % (rng.choice(["c", "d.f", "arr", "e", "s", "[1,2,3]"]), sub())
    return "%s{%s: %s}" % (rng.choice(["d.f", "c", "arr"]), rng.choice(["h", "$string($)", '"k"']),
                           rng.choice(["g", "$count($)", "$"]))


def jsonata_js():
    """The directory jsonata-js 2.0.6 is installed in (installed if missing)."""
    prefix = os.path.join(ROOT, "target", "jsonata-js")
    if not os.path.exists(os.path.join(prefix, "node_modules", "jsonata", "package.json")):
        os.makedirs(prefix, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-save", "--prefix", prefix,
                        "jsonata@2.0.6"], check=True)
    return prefix


def run_reference(cases, prefix):
    """jsonata-js's answers; a case still running after 3 s counts as a hang
    (2.0.6 loops for ever on `$formatNumber(0, "0.000e0")`)."""
    env = dict(os.environ, NODE_PATH=os.path.join(prefix, "node_modules"))
    answers, i = [], 0
    while i < len(cases):
        p = subprocess.Popen(["node", os.path.join(HERE, "evaluate.js")], env=env, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1)
        while i < len(cases):
            p.stdin.write(cases[i] + "\n")
            p.stdin.flush()
            ready, _, _ = select.select([p.stdout], [], [], 3.0)
            line = p.stdout.readline() if ready else ""
            i += 1
            if not line:
                p.kill()
                answers.append({"error": "HANG"})
                break
            answers.append(json.loads(line))
        else:
            p.stdin.close()
            p.wait()
    return answers


def run_stepwell(cases):
    build = ["cargo", "build", "--quiet", "--release", "-p", "stepwell-jsonata",
             "--example", "eval_lines"]
    subprocess.run(build, cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binary = os.path.join(target, "release", "examples", "eval_lines")
    out = subprocess.run([binary], input="\n".join(cases) + "\n", text=True,
                         capture_output=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--at-least", type=int)
    ap.add_argument("--show", type=int, default=20, help="disagreements to print")
    ap.add_argument("--exprs", metavar="FILE",
                    help="compare the expressions in FILE (one a line, over the fixed "
                         "document) instead of generated ones")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    cases = []
    if args.exprs:
        with open(args.exprs) as f:
            cases = [json.dumps({"expr": line.rstrip("\n"), "data": DATA})
                     for line in f if line.strip()]
    for _ in range(0 if args.exprs else args.cases):
        case = {"expr": generate(rng, rng.randrange(1, 4))}
        if rng.random() < 0.9:
            case["data"] = DATA
        cases.append(json.dumps(case))
    reference = run_reference(cases, jsonata_js())
    ours = run_stepwell(cases)
    kinds = collections.Counter()
    shown = 0
    for case, want, got in zip(cases, reference, ours):
        if want == got:
            kinds["agree"] += 1
            continue
        if want.get("error") in ("HANG", "JS"):
            kinds["reference hangs or fails internally"] += 1
            continue
        if "error" in want and "error" in got:
            kind = "same code, other message" if want["error"] == got["error"] else "other code"
        elif "error" in want or "error" in got:
            kind = "error against value"
        else:
            kind = "other value"
        kinds[kind] += 1
        if shown < args.show:
            shown += 1
            print("%-26s %s\n    jsonata-js: %s\n    stepwell:   %s" % (
                kind, json.loads(case)["expr"], json.dumps(want)[:160], json.dumps(got)[:160]))
    print("jsonata differential (%s): %d of %d agree; %s" % (
        args.exprs or "seed %d" % args.seed, kinds["agree"], len(cases),
        ", ".join("%s %d" % kv for kv in sorted(kinds.items()) if kv[0] != "agree")))
    if args.at_least is not None and kinds["agree"] < args.at_least:
        print("FAIL: fewer than %d agree" % args.at_least)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
