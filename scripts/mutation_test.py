"""Mutation testing of the formula code (core/diffusion, core/losses.py, core/metrics.py) against the fast formula tests.

A small self-contained AST mutator (no extra dependency): each mutant changes one thing in one file --
an arithmetic operator (+ <-> -, * <-> /, ** -> *), a dropped unary minus or `not`, a dropped sqrt / rsqrt / clamp /
clip call, a numeric constant +-1, a comparison flipped (< <-> <=, == <-> !=, ...), and <-> or, True <-> False --
and is written into a private copy of the tree (never into the checkout), where the chosen tests run with -x in a
forked child that has torch, numpy and pytest already imported (so a mutant costs its tests, not a fresh
interpreter). A mutant is killed when the tests fail (or run past the per-mutant timeout), survives when they pass.
Not mutated: docstrings, annotations, imports, `raise` / `assert` statements, f-strings, `__all__`, typing.Protocol
classes (declarations only). The children run pytest with -p no:pytest-qt and --noconftest (tests/conftest.py only
guards the GUI tests); --qt / --conftest keep them. Survivors judged equivalent are listed in EQUIVALENT with reasons.

    python scripts/mutation_test.py                      # every target, tests/test_formulas_*.py
    python scripts/mutation_test.py --list               # the mutants only, nothing run
    python scripts/mutation_test.py --targets core/losses.py --tests tests/test_formulas_pca_losses.py
    python scripts/mutation_test.py --jobs 2 --timeout 60 --json report.json

Progress goes to stderr; the last line on stdout is one JSON object: killed, survived, timeout, total, score
(killed incl. timeouts / total), score_without_equivalent (survivors listed in EQUIVALENT left out of the total) and
the survivors (file, line, function, mutation, source). Exit status 0 (the score is the result), 2 when the
unmutated tests already fail. Not part of the default test suite (it takes minutes). Linux/macOS (os.fork).
"""
from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import shutil
import shlex
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TARGETS = ("core/diffusion", "core/losses.py", "core/metrics.py")
DEFAULT_TESTS = ("tests/test_formulas_*.py",)
COPIED = ("core", "tests")  # copied into each private tree; every other top-level entry is symlinked
SKIP_COPY = {".git", "__pycache__", ".pytest_cache", ".hypothesis", "mutants"}

# Survivors judged equivalent (no observable change), as (file, function, mutation, source), each with the reason.
_COSINE_NORM = "f(t.to(torch.float64)) / f(torch.zeros((), dtype=torch.float64))"
EQUIVALENT: set[tuple[str, str, str, str]] = {
    # only ratios alpha-bar_t / alpha-bar_{t-1} reach the betas: the normalisation by f(0) cancels
    ("core/diffusion/ddpm.py", "cosine_alpha_bar", "Div->Mult", _COSINE_NORM),
    # _steps_tensor: a 0-dim tensor t gives the same broadcast alpha-bar as the (B,) tensor it would become
    ("core/diffusion/ddpm.py", "_steps_tensor", "0->-1", "0"),
    ("core/diffusion/ddpm.py", "_steps_tensor", "Gt->GtE", "t.dim() > 0"),
    # torch.cumprod(alphas, 0) -> dim -1: the same on a 1-D tensor
    ("core/diffusion/ddpm.py", "DDPM.__post_init__", "0->-1", "0"),
    # the lecture's step ignores eta (DDIM's); its default can be anything
    ("core/diffusion/lecture.py", "GaussianDiffusion.step", "0.0->1.0", "0.0"),
    ("core/diffusion/lecture.py", "GaussianDiffusion.step", "0.0->-1.0", "0.0"),
    # LectureMean's t.clamp(min=1) guards t = 0, which no caller reaches (training and sampling use t >= 1,
    # runs.predicted_x0 and forward_frames_predicted return x itself at t = 0)
    ("core/diffusion/lecture.py", "LectureMean.forward", "1->0", "1"),
    ("core/diffusion/lecture.py", "LectureMean.forward", "drop .clamp()", "t.clamp(min=1)"),
    # forward_state: t = -1 then fails in itertools.islice, with the same ValueError
    ("core/diffusion/runs.py", "forward_state", "0->-1", "0"),
    # predicted_x0 / forward_frames_predicted at t = 0: x0_hat(x, 0) is x itself for both processes
    ("core/diffusion/runs.py", "predicted_x0", "0->-1", "0"),
    ("core/diffusion/runs.py", "predicted_x0", "LtE->Lt", "t <= 0"),
    ("core/diffusion/runs.py", "forward_frames_predicted", "0->-1", "0"),
    # forward_frames_predicted's x0_hat clip for images: the frames clamp pixels to [0, 1] anyway, the same thing
    ("core/diffusion/runs.py", "forward_frames_predicted", "4->5", "4"),
    ("core/diffusion/runs.py", "forward_frames_predicted", "4->3", "4"),
    # ... and its guidance with no labels is never used
    ("core/diffusion/runs.py", "forward_frames_predicted", "1.0->2.0", "1.0"),
    ("core/diffusion/runs.py", "forward_frames_predicted", "1.0->0.0", "1.0"),
    # guided_output's w = 0 shortcut: the general path gives uncond + 0 * (cond - uncond), the same numbers
    ("core/diffusion/sampling.py", "guided_output", "0->-1", "0"),
    # torch.rand(...) < p vs <= p differ with probability 0
    ("core/diffusion/task.py", "DiffusionTask._labels", "Lt->LtE", "torch.rand(batch, device=device) < self.cond_drop"),
    # evaluation batch and PCA block sizes change only how rows are grouped
    ("core/metrics.py", "<module>", "1000->1001", "1000"),
    ("core/metrics.py", "<module>", "1000->999", "1000"),
    ("core/metrics.py", "<module>", "4000->4001", "4000"),
    ("core/metrics.py", "<module>", "4000->3999", "4000"),
    # reshape(n, -1) -> reshape(n, -2): numpy takes any negative size as "the rest"
    ("core/metrics.py", "pca_fit", "1->2", "1"),
    ("core/metrics.py", "pca_mse", "1->2", "1"),
    # eigenvectors do not depend on the covariance's scale
    ("core/metrics.py", "pca_fit", "Div->Mult", "cov / len(flat)"),
}

ARITH_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
               ast.FloorDiv: ast.Div}
COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
                 ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
DROPPED_CALLS = {"sqrt", "rsqrt", "clamp", "clip"}  # f(x) -> x, x.f(...) -> x


@dataclass(frozen=True)
class Mutant:
    file: str  # relative to the root
    index: int  # the index-th mutation site of the file, in AST walk order
    line: int
    col: int
    function: str  # qualified name of the enclosing function / class, "<module>" at top level
    mutation: str
    source: str  # the original source of the mutated node

    def key(self) -> tuple[str, str, str, str]:
        return (self.file, self.function, self.mutation, self.source)


class Mutator(ast.NodeTransformer):
    """Walks a module; with `target` None it records every mutation site, else it applies the target-th one."""

    def __init__(self, source: str, target: int | None = None) -> None:
        self.source = source
        self.target = target
        self.count = 0
        self.sites: list[tuple[int, int, str, str, str]] = []  # line, col, function, mutation, source
        self.scope: list[str] = []
        self.applied = False

    # -- bookkeeping ------------------------------------------------------------------------------------------
    def _site(self, node: ast.AST, mutation: str) -> bool:
        """Count one candidate mutation at node; True when it is the one to apply."""
        index = self.count
        self.count += 1
        if self.target is None:
            seg = ast.get_source_segment(self.source, node) or ast.unparse(node)
            seg = " ".join(seg.split())
            self.sites.append((node.lineno, node.col_offset, ".".join(self.scope) or "<module>", mutation,
                               seg[:80]))
            return False
        if index == self.target:
            self.applied = True
            return True
        return False

    def _scoped(self, node):
        if isinstance(node, ast.ClassDef) and any(
                (isinstance(b, ast.Name) and b.id == "Protocol") or (isinstance(b, ast.Attribute) and b.attr == "Protocol")
                for b in node.bases):
            return node  # a typing.Protocol only declares: its stubs never run
        self.scope.append(node.name)
        # no mutations in annotations, decorators or docstrings: only the body and the argument defaults
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.args = self.visit(node.args)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
            node.body = node.body[:1] + [self.visit(stmt) for stmt in body]
        else:
            node.body = [self.visit(stmt) for stmt in body]
        if isinstance(node, ast.ClassDef):
            node.bases = [self.visit(b) for b in node.bases]
        self.scope.pop()
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_arg(self, node: ast.arg):
        return node  # annotations

    def visit_AnnAssign(self, node: ast.AnnAssign):
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Raise(self, node: ast.Raise):
        return node  # error messages: nothing to mutate

    def visit_Assert(self, node: ast.Assert):
        return node

    def visit_If(self, node: ast.If):
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return node
        return self.generic_visit(node)

    def visit_ImportFrom(self, node):
        return node

    def visit_Import(self, node):
        return node

    def visit_Assign(self, node: ast.Assign):
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return node
        return self.generic_visit(node)

    def visit_JoinedStr(self, node):
        return node  # f-strings

    # -- mutations --------------------------------------------------------------------------------------------
    def _swap_operator(self, node: ast.BinOp | ast.AugAssign, suffix: str = ""):
        """+ <-> -, * <-> / and the like, in an expression or an augmented assignment (suffix "=")."""
        self.generic_visit(node)
        swap = ARITH_SWAPS.get(type(node.op))
        if swap is not None and self._site(node, f"{type(node.op).__name__}{suffix}->{swap.__name__}{suffix}"):
            node.op = swap()
        return node

    def visit_BinOp(self, node: ast.BinOp):
        return self._swap_operator(node)

    def visit_AugAssign(self, node: ast.AugAssign):
        return self._swap_operator(node, "=")

    def visit_UnaryOp(self, node: ast.UnaryOp):
        self.generic_visit(node)
        if isinstance(node.op, (ast.USub, ast.Not)) and self._site(node, f"drop {type(node.op).__name__}"):
            return node.operand
        return node

    def visit_Compare(self, node: ast.Compare):
        self.generic_visit(node)
        for i, op in enumerate(node.ops):
            swap = COMPARE_SWAPS.get(type(op))
            if swap is not None and self._site(node, f"{type(op).__name__}->{swap.__name__}"):
                node.ops[i] = swap()
        return node

    def visit_BoolOp(self, node: ast.BoolOp):
        self.generic_visit(node)
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._site(node, f"{type(node.op).__name__}->{swap.__name__}"):
            node.op = swap()
        return node

    def visit_Constant(self, node: ast.Constant):
        value = node.value
        if isinstance(value, bool):
            if self._site(node, f"{value}->{not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, (int, float)) and not isinstance(value, complex):
            for delta in (+1, -1):
                if self._site(node, f"{value!r}->{value + delta!r}"):
                    return ast.copy_location(ast.Constant(value + delta), node)
        return node

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in DROPPED_CALLS:
            is_module_fn = isinstance(func.value, ast.Name) and func.value.id in {"math", "torch", "np", "numpy", "F"}
            if is_module_fn and node.args:  # math.sqrt(x) -> x
                if self._site(node, f"drop {func.value.id}.{func.attr}()"):
                    return node.args[0]
            elif not is_module_fn and self._site(node, f"drop .{func.attr}()"):  # x.sqrt() -> x
                return func.value
        return node


def target_files(targets: list[str]) -> list[str]:
    files: list[str] = []
    for t in targets:
        path = ROOT / t
        if path.is_dir():
            files += sorted(str(p.relative_to(ROOT)) for p in path.rglob("*.py"))
        elif path.is_file():
            files.append(str(path.relative_to(ROOT)))
        else:
            raise SystemExit(f"no such target: {t}")
    return files


def enumerate_mutants(files: list[str]) -> list[Mutant]:
    mutants = []
    for f in files:
        source = (ROOT / f).read_text()
        m = Mutator(source)
        m.visit(ast.parse(source))
        for i, (line, col, fn, mutation, seg) in enumerate(m.sites):
            mutants.append(Mutant(f, i, line, col, fn, mutation, seg))
    return mutants


def mutated_source(source: str, index: int) -> str:
    m = Mutator(source, index)
    tree = ast.fix_missing_locations(m.visit(ast.parse(source)))
    if not m.applied:
        raise RuntimeError(f"mutation site {index} not found")
    return ast.unparse(tree) + "\n"


def make_tree(dest: Path) -> None:
    """A private tree at dest: COPIED entries copied (no caches), everything else symlinked to the checkout."""
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns(*SKIP_COPY, "*.pyc")
    for entry in ROOT.iterdir():
        if entry.name in SKIP_COPY or entry.name.endswith(".egg-info"):
            continue
        if entry.name in COPIED:
            shutil.copytree(entry, dest / entry.name, ignore=ignore)
        else:
            (dest / entry.name).symlink_to(entry)


def tests_for(file: str, tests: list[str], texts: dict[str, str]) -> list[str]:
    """`tests` with the files that name the mutated module (then its package) first, so -x stops sooner."""
    module = file[:-3].replace("/", ".")
    package = module.rsplit(".", 1)[0]
    return sorted(tests, key=lambda t: (module not in texts[t], package not in texts[t]))


def run_tests_forked(tree: Path, tests: list[str], extra: list[str]) -> int:
    """Fork a child that runs pytest -x on `tests` inside `tree`; returns its pid."""
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.chdir(tree)
            sys.path.insert(0, str(tree))
            sys.dont_write_bytecode = True  # a mutant of the same size and mtime must never reuse a stale .pyc
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            rc = pytest.main(["-q", "-x", "-p", "no:cacheprovider", "-p", "no:randomly", "--timeout=0", *extra, *tests])
            os._exit(int(rc))
        except BaseException:  # noqa: BLE001  (anything: the mutant broke the import, say)
            os._exit(99)
    return pid


def wait(pid: int, deadline: float) -> int | None:
    """The child's exit status, or None (killed) when it ran past the deadline."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", nargs="+", default=list(DEFAULT_TARGETS), help="files or folders to mutate")
    parser.add_argument("--tests", nargs="+", default=list(DEFAULT_TESTS), help="test files (globs) to run")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds per mutant (default: max(20, 5 x the unmutated run))")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (one private tree each)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--match", default=None, help="only mutants whose file:line:function contains this")
    parser.add_argument("--json", default=None, help="also write the report (every mutant's outcome) here")
    parser.add_argument("--qt", action="store_true", help="keep the pytest-qt plugin (off by default: no Qt needed)")
    parser.add_argument("--conftest", action="store_true", help="load tests/conftest.py (off by default: the formula "
                        "tests need none of its fixtures)")
    parser.add_argument("--root", default=None, help="the tree to mutate (default: this script's checkout)")
    parser.add_argument("--pytest-args", default="", help="extra pytest arguments, one string (e.g. \"-k 'not slow'\")")
    args = parser.parse_args(argv)
    global ROOT
    if args.root:
        ROOT = Path(args.root).resolve()
    extra = shlex.split(args.pytest_args)

    files = target_files(args.targets)
    mutants = enumerate_mutants(files)
    if args.match:
        mutants = [m for m in mutants if args.match in f"{m.file}:{m.line}:{m.function}"]
    if args.list:
        for m in mutants:
            print(f"{m.file}:{m.line}:{m.col} {m.function}: {m.mutation}  `{m.source}`")
        print(json.dumps({"total": len(mutants)}))
        return 0
    tests = sorted({str(Path(p).relative_to(ROOT)) for pat in args.tests for p in glob.glob(str(ROOT / pat))})
    if not tests:
        raise SystemExit(f"no test files match {args.tests}")

    # warm the parent (children inherit the imports); never import core here: the children import the mutant
    import importlib.metadata

    import numpy  # noqa: F401
    import pytest  # noqa: F401
    import torch  # noqa: F401

    for plugin in importlib.metadata.entry_points(group="pytest11"):  # hypothesis alone takes seconds to import
        if plugin.name == "pytest-qt" and not args.qt:
            continue
        try:
            plugin.load()
        except Exception:  # noqa: BLE001  (a broken plugin fails the same way in the children)
            pass
    for name in ("numpy.random", "hypothesis", "hypothesis.internal.observability", "pdb"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if not args.qt:
        extra = ["-p", "no:pytest-qt", *extra]
    if not args.conftest:
        extra = ["--noconftest", *extra]  # tests/conftest.py only guards the GUI tests (and collects garbage per test)

    workdir = Path(tempfile.mkdtemp(prefix="gendiff-mutants-"))
    trees = [workdir / f"tree{i}" for i in range(max(1, args.jobs))]
    running: dict[int, tuple[Path, Mutant, float]] = {}  # pid -> tree, mutant, deadline
    try:
        for tree in trees:
            make_tree(tree)
        start = time.monotonic()
        rc = wait(run_tests_forked(trees[0], tests, extra), start + 600)
        baseline = time.monotonic() - start
        if rc != 0:
            print(f"the unmutated tests fail (exit {rc}): fix them first", file=sys.stderr)
            return 2
        timeout = args.timeout or max(20.0, 5.0 * baseline)
        print(f"{len(mutants)} mutants over {len(files)} files; tests {' '.join(tests)}; unmutated run "
              f"{baseline:.1f} s, timeout {timeout:.0f} s", file=sys.stderr)
        originals = {f: (ROOT / f).read_text() for f in files}
        texts = {t: (ROOT / t).read_text() for t in tests}
        outcomes: dict[Mutant, str] = {}
        free = list(trees)
        queue = list(mutants)
        done = 0
        while queue or running:
            while queue and free:
                m = queue.pop(0)
                tree = free.pop()
                (tree / m.file).write_text(mutated_source(originals[m.file], m.index))
                pid = run_tests_forked(tree, tests_for(m.file, tests, texts), extra)
                running[pid] = (tree, m, time.monotonic() + timeout)
            for pid, (tree, m, deadline) in list(running.items()):
                done_pid, status = os.waitpid(pid, os.WNOHANG)
                if done_pid:
                    code = os.waitstatus_to_exitcode(status)
                elif time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    code = None
                else:
                    continue
                outcome = "timeout" if code is None else ("survived" if code == 0 else "killed")
                outcomes[m] = outcome
                (tree / m.file).write_text(originals[m.file])
                del running[pid]
                free.append(tree)
                done += 1
                print(f"[{done}/{len(mutants)}] {outcome:8s} {m.file}:{m.line} {m.function}: {m.mutation} "
                      f"`{m.source}`", file=sys.stderr)
            time.sleep(0.01)
    finally:
        for pid in running:  # interrupted: stop the children still at work
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        shutil.rmtree(workdir, ignore_errors=True)

    survivors = [m for m in mutants if outcomes[m] == "survived"]
    killed = sum(outcomes[m] == "killed" for m in mutants)
    timeouts = sum(outcomes[m] == "timeout" for m in mutants)
    equivalent = [m for m in survivors if m.key() in EQUIVALENT]
    total = len(mutants)
    report = {
        "killed": killed, "timeout": timeouts, "survived": len(survivors), "total": total,
        "score": round((killed + timeouts) / total, 4) if total else None,
        "equivalent": len(equivalent),
        "score_without_equivalent": round((killed + timeouts) / (total - len(equivalent)), 4)
        if total > len(equivalent) else None,
        "tests": tests, "targets": args.targets,
        "survivors": [{"file": m.file, "line": m.line, "function": m.function, "mutation": m.mutation,
                       "source": m.source, "equivalent": m.key() in EQUIVALENT} for m in survivors],
    }
    if args.json:
        full = dict(report, mutants=[dict(asdict(m), outcome=outcomes[m]) for m in mutants])
        Path(args.json).write_text(json.dumps(full, indent=1))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
