"""Build the wheel and check it: the build prints no warning, and the wheel carries every file git tracks under diffex/.

    python tools/check_wheel.py              # builds with `pip wheel . --no-deps` into a temporary folder
    python tools/check_wheel.py --out DIR    # the same, and keeps the wheel in DIR
    python tools/check_wheel.py DIST.whl     # checks a wheel built elsewhere (no build-output check)

The wheel must hold exactly the files `git ls-files diffex` lists: the modules, the toy world's weights, tokenizer and
configs (diffex/data), the built-in corpora and their schema (diffex/corpora). A wheel file that git does not track
fails the check (a stale build/ folder can leak deleted modules into a wheel), except files git reports as untracked
in this checkout (work in progress: listed, not failed). Exits 1 with the list of differences.
"""
import re, subprocess, sys, tempfile, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = 'diffex'

def git_files(*args) -> set[str]:
    "Paths under `PKG` that `git ls-files ARGS` lists (relative to the repository root, forward slashes)."
    out = subprocess.run(['git', 'ls-files', *args, '--', PKG], cwd=ROOT, capture_output=True, text=True, check=True)
    return {p for p in out.stdout.splitlines() if p and '__pycache__' not in p and not p.endswith('.pyc')}

def wheel_files(whl: Path) -> set[str]:
    "The files of package `PKG` in the wheel `whl` (not its .dist-info)."
    with zipfile.ZipFile(whl) as z: return {n for n in z.namelist() if n.startswith(PKG + '/') and not n.endswith('/')}

def build(dest: Path) -> tuple[Path, list[str]]:
    "Build the wheel into `dest` with pip; return it and the lines of pip's output that mention a warning."
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '.', '--no-deps', '-q', '-w', str(dest)], cwd=ROOT,
                       capture_output=True, text=True)
    out = r.stdout + r.stderr
    if r.returncode: sys.exit(f'pip wheel failed (exit {r.returncode}):\n{out}')
    noise = [s for s in out.splitlines() if re.search(r"warn", s, re.I) and not s.startswith("WARNING: Location")]
    return next(dest.glob(f'{PKG}-*.whl')), noise

def check(whl: Path) -> list[str]:
    "The problems of wheel `whl` against the git-tracked files, as readable lines (empty when it is complete)."
    tracked, in_whl, untracked = git_files(), wheel_files(whl), git_files('--others', '--exclude-standard')
    problems = [f'missing from the wheel: {p}' for p in sorted(tracked - in_whl)]
    extra = in_whl - tracked
    problems += [f'in the wheel but not tracked by git: {p}' for p in sorted(extra - untracked)]
    for p in sorted(extra & untracked): print(f'note: untracked file in the wheel (commit it or remove it): {p}')
    data = sorted(p for p in tracked if not p.endswith('.py'))
    print(f'{whl.name}: {len(in_whl)} files, {len(data)} data files checked '
          f'({", ".join(sorted({Path(p).suffix for p in data}))})')
    return problems

def main(argv):
    with tempfile.TemporaryDirectory() as d:
        if argv and argv[0] == '--out':
            if len(argv) != 2: sys.exit('usage: check_wheel.py [--out DIR | DIST.whl]')
            out = Path(argv[1]); out.mkdir(parents=True, exist_ok=True)
            whl, noise = build(out)
        elif argv: whl, noise = Path(argv[0]), []
        else: whl, noise = build(Path(d))
        problems = [f"build output: {s}" for s in noise] + check(whl)
    for p in problems: print(p, file=sys.stderr)
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
