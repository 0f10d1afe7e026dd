"""Benchmark the national run: ``python benchmarks/run.py`` (add ``--quick`` to skip the slow baselines).

Makes national-scale exports (every authority active in 2019/20, 20,000 decisions; 200,000 rows over
ten years), then measures in one run: reading, statistics, every letter with ``--jobs 1`` and with all
cores, PDF for every letter, the naive docxtpl pipeline on the same template as the baseline, and
``ombudsman --help``, after the start-up cost of each command against ``python -c pass``
(``--startup`` for that alone). Beside the tool, the same work done plainly (the anchors of issue 21): pandas
reading and grouping a 500,000-row CSV against ``check`` of it, the standard library building and writing
the same messages against ``send``'s dry run, a plain mammoth loop against ``site``. Prints a table of
times, letters per second, peak memory and ratios, the ratios to the anchors from the same run (the
machine's speed varies; ratios from one run do not), then the issue's targets. Not part of the test
suite: speed is measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))

from make_example_data import HEADERS, make_decisions, write_csv, write_xlsx  # noqa: E402

from ombudsman_cli.config import default_jobs  # noqa: E402
from ombudsman_cli.data.register import load_register  # noqa: E402

TEMPLATE = ROOT / "letter_templates" / "annual-review-letter-2020.docx"
GENERIC = ROOT / "letter_templates" / "annual-review-letter.docx"  # with the chart, the trend and the breakdowns


def timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


# Put before every script measured: the process records its own peak resident memory (VmHWM) as it
# ends. The rusage of a child is no use here: Linux carries the parent's high-water mark across fork and
# exec into it.
_MEMORY_REPORT = """
import atexit, os
def _report_memory():
    with open('/proc/self/status') as status, open(os.environ['BENCH_MEMORY'], 'w') as out:
        out.write(next(line.split()[1] for line in status if line.startswith('VmHWM')))
atexit.register(_report_memory)
"""
# The command line, as the installed `ombudsman` runs it.
_OMBUDSMAN = """
import runpy, sys
sys.argv = ['ombudsman', *sys.argv[1:]]
runpy.run_module('ombudsman_cli', run_name='__main__')
"""


def run_measured(code: str, arguments: list[str], cwd: Path | None = None,
                 exit_code: int = 0) -> tuple[float, float | None]:
    """Wall time and peak memory (MB, the main process; workers are extra) of the Python script ``code``
    run as a process of its own, which must end with ``exit_code``."""
    with tempfile.NamedTemporaryFile(suffix=".memory") as memory_file:
        # This checkout's package, wherever the script runs (an installed copy may be older).
        environment = {**os.environ, "BENCH_MEMORY": memory_file.name, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", _MEMORY_REPORT + code, *arguments], cwd=cwd,
                                env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        elapsed = time.perf_counter() - start
        if result.returncode != exit_code:
            raise SystemExit(f"{' '.join(arguments)} failed:\n{result.stderr.decode()}")
        text = Path(memory_file.name).read_text().strip()
    return elapsed, int(text) / 1024 if text else None


# The anchors of issue 21: what the same work costs done plainly with the libraries the tool builds on.
PANDAS_READ_AND_GROUP = """
import sys
import pandas as pd
table = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
decided = pd.to_datetime(table['Decision date'].str.slice(0, 10), format='%d/%m/%Y')  # some carry a time
year = decided.dt.year + (decided.dt.month >= 4)
counts = table.groupby([table['Authority'], year, table['Outcome']]).size()
remedies = table[table['Satisfactory remedy'] == 'yes'].groupby('Authority').size()
print(len(counts), len(remedies))
"""
STDLIB_MESSAGES = """
import json, sys
from email.message import EmailMessage
from email import policy
from pathlib import Path
messages, out = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
out.mkdir(exist_ok=True)
for item in messages:
    message = EmailMessage()
    for name, value in item['headers']:
        message[name] = value
    message.set_content(item['body'])
    for path, maintype, subtype in item['attachments']:
        message.add_attachment(Path(path).read_bytes(), maintype=maintype, subtype=subtype, filename=Path(path).name)
    (out / (Path(item['attachments'][0][0]).stem + '.eml')).write_bytes(message.as_bytes(policy=policy.SMTP))
"""


def messages_of_outbox(outbox: Path, letters: Path, out: Path) -> None:
    """What the dry run wrote, as the anchor's input (not timed): each message's headers, text and
    attachments, so that the standard library builds exactly the same messages."""
    import email
    import json
    from email import policy as email_policy

    items = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
        headers = [(name, str(message[name])) for name in ("From", "To", "Cc", "Reply-To", "Subject", "Date",
                                                             "Message-ID") if message[name]]
        body = message.get_body(preferencelist=("plain",))
        attachments = [(str(letters / (part.get_filename() or "")), part.get_content_maintype(), part.get_content_subtype())
                       for part in message.iter_attachments()]
        items.append({"headers": headers, "body": body.get_content() if body else "", "attachments": attachments})
    out.write_text(json.dumps(items))


MAMMOTH_LOOP = """
import sys
from pathlib import Path
import mammoth
for path in sorted(Path(sys.argv[1]).glob('*.docx')):
    with path.open('rb') as handle:
        mammoth.convert_to_html(handle)
"""


def run_command(arguments: list[str], cwd: Path, exit_code: int = 0) -> tuple[float, float | None]:
    """One ``ombudsman`` command, measured by :func:`run_measured`."""
    return run_measured(_OMBUDSMAN, arguments, cwd, exit_code)


# How a docxtpl user first writes the national run: openpyxl read, then load/render/save for each letter.
# Run as a process of its own, as the tool and the other anchors are (start-up and imports counted on
# both sides). Arguments: the project's root, the export, the template, the output folder.
NAIVE_PIPELINE = """
import sys
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from docxtpl import DocxTemplate
from ombudsman_cli.data.register import load_register
from ombudsman_cli.data.validation import load_decisions
from ombudsman_cli.letters.run import plan_letters
from ombudsman_cli.naming import letter_filename
from ombudsman_cli.stats import compute_statistics
from ombudsman_cli.years import BusinessYear
export, template, out = Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
register = load_register()
decisions = load_decisions(export, register, engine="openpyxl").require_valid()
statistics = compute_statistics(decisions, register, BusinessYear(2020))
for letter in plan_letters(statistics, date(2020, 7, 22)):
    document = DocxTemplate(template)
    document.render(letter.context, autoescape=True)
    document.save(out / letter_filename(letter.context["authority"]))
"""


def soffice_per_letter(letters: list[Path], out: Path) -> float:
    """Seconds a letter when LibreOffice is started once for each letter."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        for letter in letters:
            subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", str(out), str(letter)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True)
        return (time.perf_counter() - start) / len(letters)


def serve_and_send(folder: Path, attach: str) -> float:
    """Seconds for ``send --send --rate 0`` of every letter in ``folder`` to a local aiosmtpd server."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l",
                               f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        (folder / "send-log.csv").unlink(missing_ok=True)
        seconds, _ = run_command(["send", "--letters", str(folder), "--year", "2020", "--send", "--rate", "0",
                                  "--attach", attach, "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
                                  "--security", "none", "--format", "json"], ROOT)
        return seconds
    finally:
        server.terminate()
        server.wait()


_HEAVY = ("pandas", "numpy", "python_calamine", "openpyxl", "docxtpl", "docx", "lxml", "pikepdf", "mammoth",
          "sqlite_utils", "jinja2", "rich", "email_validator")
# Runs one command and says which of the heavy libraries it loaded.
_LOADED = """
import atexit, os, sys
atexit.register(lambda: open(os.environ['BENCH_LOADED'], 'w').write(' '.join(
    m for m in os.environ['BENCH_HEAVY'].split() if m in sys.modules)))
sys.argv = ['ombudsman', *sys.argv[1:]]
import runpy
runpy.run_module('ombudsman_cli', run_name='__main__')
"""


def startup() -> None:
    """What each command costs before it does any work: the best of 5 wall times against Python's own start,
    and the heavy libraries it loads (``send`` should load none of pandas, docxtpl and python-docx)."""
    work = Path(tempfile.mkdtemp(prefix="ombudsman-startup-"))
    shutil.copy(ROOT / "ombudsman.toml", work / "ombudsman.toml")
    config = (work / "ombudsman.toml").read_text().replace('"examples/', f'"{ROOT}/examples/')
    (work / "ombudsman.toml").write_text(config)
    subprocess.run([sys.executable, "-m", "ombudsman_cli", "letters", "--year", "2020", "--authority", "Adur",
                    "--letter-date", "2020-07-22"], cwd=work, check=True, capture_output=True)
    commands = [
        ("python -c pass", [sys.executable, "-c", "pass"], False),
        ("import ombudsman_cli", [sys.executable, "-c", "import ombudsman_cli"], False),
        ("ombudsman --help", ["--help"], True),
        ("ombudsman send --help", ["send", "--help"], True),
        ("ombudsman send (dry run, one council)", ["send", "--year", "2020", "--authority", "Adur", "--attach",
                                                    "docx", "--format", "json"], True),
        ("ombudsman stats --help", ["stats", "--help"], True),
        ("ombudsman check (51,000 rows)", ["check", "--format", "json"], True),
    ]
    floor = None
    print(f"{'start-up':<40}  {'seconds':>7}  {'over Python':>11}  heavy libraries loaded")
    for label, arguments, is_ombudsman in commands:
        times, loaded = [], ""
        for _ in range(5):
            with tempfile.NamedTemporaryFile(suffix=".loaded") as loaded_file:
                command = [sys.executable, "-c", _LOADED, *arguments] if is_ombudsman else arguments
                environment = {**os.environ, "BENCH_LOADED": loaded_file.name, "BENCH_HEAVY": " ".join(_HEAVY)}
                start = time.perf_counter()
                subprocess.run(command, cwd=work, env=environment, capture_output=True)
                times.append(time.perf_counter() - start)
                loaded = Path(loaded_file.name).read_text() if is_ombudsman else ""
        best = min(times)
        floor = best if floor is None else floor
        print(f"{label:<40}  {best:7.3f}  {best - floor:+11.3f}  {loaded or '-'}")
    shutil.rmtree(work, ignore_errors=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the openpyxl 200,000-row read and PDF baselines")
    parser.add_argument("--no-pdf", action="store_true", help="skip everything that needs LibreOffice")
    parser.add_argument("--startup", action="store_true", help="only the start-up cost of each command")
    parser.add_argument("--national", action="store_true",
                        help="only the national run against the naive pipeline (the quick check of issue 21's 10x)")
    # Three by default: one round on a shared machine moves by about 15% either way (timeit repeats 5 times).
    parser.add_argument("--rounds", type=int, default=3,
                        help="run the naive pipeline and the national run this many times, alternately, and "
                             "keep the best of each (default 3)")
    options = parser.parse_args()
    # As an installed package is (pip compiles it): the commands measured read bytecode, not source, even
    # where PYTHONDONTWRITEBYTECODE keeps Python from writing it.
    compileall.compile_dir(ROOT / "ombudsman_cli", quiet=1)
    if not options.national:
        startup()
    if options.startup:
        return
    cores = default_jobs()
    has_soffice = bool(shutil.which("soffice") or shutil.which("libreoffice")) and not options.no_pdf
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, {platform.system()}")

    from ombudsman_cli.data.reading import read_table
    from ombudsman_cli.data.validation import load_decisions
    from ombudsman_cli.stats import compute_statistics
    from ombudsman_cli.years import BusinessYear

    register = load_register()
    work = Path(tempfile.mkdtemp(prefix="ombudsman-bench-"))
    national_rows = make_decisions(register, [2020], per_year=20_000, seed=1)
    exports = [("20k", national_rows)]
    decade_rows = [] if options.national else make_decisions(register, list(range(2011, 2021)), per_year=20_000, seed=2)
    if decade_rows:
        exports.append(("200k", decade_rows))
    files = {}
    for name, rows in exports:
        write_xlsx(work / f"{name}.xlsx", rows)
        write_csv(work / f"{name}.csv", rows)
        files[name] = (work / f"{name}.xlsx", work / f"{name}.csv")
    made = " and 200,000 over 2010/11-2019/20" if "200k" in files else ""
    print(f"exports in {work}: 20,000 decisions for 2019/20{made} ({len(HEADERS)} columns)\n")

    results: list[tuple[str, float, int | None, float | None, str]] = []

    def record(step: str, seconds: float, letters: int | None = None, memory: float | None = None,
               baseline: float | None = None) -> None:
        ratio = f"{baseline / seconds:.1f}x faster" if baseline else ""
        results.append((step, seconds, letters, memory, ratio))

    for name, (xlsx, csv_file) in files.items():
        openpyxl_seconds = None
        if name == "20k" or not options.quick:  # openpyxl on 200k rows takes about 25 s
            openpyxl_seconds, _ = timed(lambda: read_table(xlsx, engine="openpyxl"))
            record(f"read {name} .xlsx, openpyxl (baseline)", openpyxl_seconds)
        for label, path in (("xlsx, calamine", xlsx), ("csv", csv_file)):
            seconds, _ = timed(lambda: read_table(path))
            record(f"read {name} .{label}", seconds, baseline=openpyxl_seconds)
    for name in files:
        seconds, decisions = timed(lambda: load_decisions(files[name][1], register))
        record(f"read + validate {name} .csv", seconds)
        seconds, _ = timed(lambda: compute_statistics(decisions, register, BusinessYear(2020)))  # type: ignore[arg-type]
        record(f"statistics {name} (with two trend years)", seconds)

    # The comparison of issue 21, in --rounds rounds: the naive pipeline, then the tool with each --jobs, again
    # and again; each keeps its best time (as timeit does: a slower run is the machine's other work, not
    # the code's), so that one disturbed run on this shared machine does not decide the ratio.
    common = ["letters", "--year", "2020", "--letter-date", "2020-07-22", "--decisions"]
    naive_times: list[float] = []
    naive_memory: float | None = None
    national_times: dict[int, list[float]] = {jobs: [] for jobs in sorted({1, cores})}
    national_memory = 0.0
    letters = 0
    # Every run writes a folder of its own, and none is removed until the end: on ext4 without a journal (as
    # on these machines) a new file is found a free inode past every one deleted in the last minutes (0.5 ms
    # a file after a deleted run's 343, 0.03 ms without), so a run made right after a removal would pay
    # for the removal rather than for its own work.
    for round_number in range(options.rounds):
        naive_out = work / f"naive{round_number}"
        naive_out.mkdir()
        seconds, naive_memory = run_measured(NAIVE_PIPELINE, [str(ROOT), str(files["20k"][0]), str(TEMPLATE),
                                                            str(naive_out)])
        naive_times.append(seconds)
        letters = len(list(naive_out.glob("*.docx")))
        for jobs, times in national_times.items():
            out = work / f"jobs{jobs}-{round_number}"
            # Run outside the project, whose ombudsman.toml names the example contacts: the naive pipeline
            # writes to no addressee either, so both do the same work.
            seconds, memory = run_command([*common, str(files["20k"][0]), "--out", str(out), "--jobs", str(jobs)], work)
            times.append(seconds)
            national_memory = max(national_memory, memory or 0.0)
    naive_seconds = min(naive_times)
    each = f" (best of {options.rounds})" if options.rounds > 1 else ""
    record(f"naive docxtpl pipeline: openpyxl + load/render/save (baseline){each}", naive_seconds, letters,
           naive_memory)
    national = {jobs: min(times) for jobs, times in national_times.items()}
    for jobs, seconds in national.items():
        record(f"ombudsman letters, 20k .xlsx, --jobs {jobs}{each}", seconds, letters, national_memory, naive_seconds)
    if options.rounds > 1:
        print("rounds (s): naive " + ", ".join(f"{t:.2f}" for t in naive_times) + "; " + "; ".join(
            f"--jobs {jobs} " + ", ".join(f"{t:.2f}" for t in times) for jobs, times in national_times.items()))
        # Each round's own ratio (the naive run beside the tool's best of that round): the machine's pace
        # drifts between rounds, and this shows how much the ratio moves with it.
        per_round = sorted(naive / min(times[round_number] for times in national_times.values())
                           for round_number, naive in enumerate(naive_times))
        print("ratio in each round: " + ", ".join(f"{ratio:.1f}x" for ratio in per_round)
              + f" (median {per_round[len(per_round) // 2]:.1f}x)")
    if options.national:
        for step, seconds, _, _, ratio in results[-1 - len(national):]:
            print(f"{step:<78}  {seconds:6.2f} s  {ratio}")
        print(f"\nnational .docx run against the naive docxtpl pipeline: {naive_seconds / min(national.values()):.1f}x "
              "faster (goal 10x)")
        shutil.rmtree(work, ignore_errors=True)
        return
    generic_seconds, memory = run_command([*common, str(files["20k"][0]), "--out", str(work / "generic"),
                                           "--template", str(GENERIC), "--jobs", str(cores)], ROOT)
    record(f"ombudsman letters, generic letter with chart, --jobs {cores}", generic_seconds, letters, memory)  # type: ignore[arg-type]
    pdf_seconds = None
    per_letter_soffice = None
    if has_soffice:
        # Tagged PDF/A of the generic letter, chart and all, finished with pikepdf.
        pdf_seconds, memory = run_command([*common, str(files["20k"][0]), "--out", str(work / "pdf"), "--pdf",
                                           "--template", str(GENERIC), "--jobs", str(cores)], ROOT)
        if not options.quick:
            sample = sorted((work / "pdf").glob("*.docx"))[:10]
            sample_out = work / "pdf-one-by-one"
            sample_out.mkdir()
            per_letter_soffice = soffice_per_letter(sample, sample_out)
            record("one soffice per letter (baseline, from 10 letters)", per_letter_soffice * letters, letters)  # type: ignore[operator]
        record(f"ombudsman letters --pdf (tagged, chart), --jobs {cores}", pdf_seconds, letters, memory,  # type: ignore[arg-type]
               per_letter_soffice * letters if per_letter_soffice else None)  # type: ignore[operator]
    # Sending: the dry run of every council's message, then an unpaced send to a mail server on this
    # machine (aiosmtpd's Sink, which takes every message and keeps none).
    sent_from = work / ("pdf" if pdf_seconds is not None else "generic")
    attach = "pdf" if pdf_seconds is not None else "docx"
    dry_seconds, memory = run_command(["send", "--letters", str(sent_from), "--year", "2020", "--attach", attach,
                                       "--format", "json"], ROOT)
    record(f"ombudsman send, dry run ({attach} attached)", dry_seconds, letters, memory)  # type: ignore[arg-type]
    send_seconds = serve_and_send(sent_from, attach)
    record(f"ombudsman send --send --rate 0, to a local server ({attach})", send_seconds, letters)  # type: ignore[arg-type]
    # The published site: every council's page with its letter converted to HTML, the data, the manifest.
    site_seconds, memory = run_command(["site", "--year", "2020", "--decisions", str(files["20k"][0]), "--letters",
                                        str(sent_from), "--out", str(work / "site"), "--format", "json"], ROOT)
    record(f"ombudsman site, every council with its letter, --jobs {cores}", site_seconds, letters, memory)  # type: ignore[arg-type]
    # The anchors, each beside the same work done by the tool (issue 21's ratios).
    anchors: dict[str, tuple[float, float | None]] = {}
    messages_of_outbox(sent_from / "outbox", sent_from, work / "messages.json")
    anchors["send"] = run_measured(STDLIB_MESSAGES, [str(work / "messages.json"), str(work / "stdlib-outbox")])
    record(f"standard library: build and write the same messages ({attach}; anchor)", anchors["send"][0], letters,
           anchors["send"][1])
    anchors["site"] = run_measured(MAMMOTH_LOOP, [str(sent_from)])
    record("a plain mammoth loop over the letters, one process (anchor)", anchors["site"][0], letters, anchors["site"][1])
    big_csv = work / "500k.csv"
    write_csv(big_csv, make_decisions(register, [2016, 2017, 2018, 2019, 2020], per_year=100_000, seed=3))
    check_500k = run_command(["check", "--decisions", str(big_csv), "--year", "2020", "--format", "json"], ROOT)
    record("ombudsman check, 500k .csv", check_500k[0], memory=check_500k[1])
    anchors["check"] = run_measured(PANDAS_READ_AND_GROUP, [str(big_csv)])
    record("pandas read_csv + the same groupings, 500k .csv (anchor)", anchors["check"][0], memory=anchors["check"][1])
    unknown_times = {}
    for distinct in (5_000, 200_000):  # thousands of unknown names, then every row a name of its own
        path = work / f"unknown-{distinct}.csv"
        column = HEADERS.index("Authority")
        write_csv(path, [[*row[:column], f"Nowhere Council {n % distinct}", *row[column + 1:]]
                         for n, row in enumerate(decade_rows)])
        unknown_times[distinct], memory = run_command(["check", "--decisions", str(path), "--format", "json"], ROOT,
                                                      exit_code=1)
        record(f"ombudsman check, 200k .csv, {distinct:,} unknown names", unknown_times[distinct], memory=memory)
    stats_times = {}
    for kind, path in (("csv", files["200k"][1]), ("xlsx", files["200k"][0])):
        stats_times[kind], memory = run_command(["stats", "--year", "2020", "--decisions", str(path)], ROOT)
        record(f"ombudsman stats --year 2020, 200k .{kind}", stats_times[kind], memory=memory)
    help_times = [run_command(["--help"], ROOT)[0] for _ in range(5)]
    record("ombudsman --help (best of 5)", min(help_times))

    width = max(len(r[0]) for r in results)
    print(f"{'step':<{width}}  {'seconds':>8}  {'letters/s':>9}  {'peak MB':>7}  vs baseline")
    for step, seconds, letters_done, memory, ratio in results:
        rate = f"{letters_done / seconds:9.0f}" if letters_done else " " * 9
        mem = f"{memory:7.0f}" if memory else " " * 7
        print(f"{step:<{width}}  {seconds:8.2f}  {rate}  {mem}  {ratio}")

    best = min(national.values())
    print("\nratios to the anchors, measured in this run (issue 21):")
    ratio_rows = [
        ("national .docx run against the naive docxtpl pipeline", f"{naive_seconds / best:.1f}x faster", "goal 10x"),
        ("check of 500k rows against pandas read + group: time", f"{check_500k[0] / anchors['check'][0]:.1f}x",
         "goal <= 2x"),
        ("check of 500k rows against pandas read + group: peak memory",
         f"{(check_500k[1] or 0) / (anchors['check'][1] or 1):.1f}x", "goal <= 2x"),
        ("send dry run against the standard library building the same messages",
         f"{dry_seconds / anchors['send'][0]:.2f}x", "goal <= 1.3x"),
        (f"site, every council, --jobs {cores}, against a plain mammoth loop", f"{site_seconds / anchors['site'][0]:.2f}x",
         ""),
    ]
    width = max(len(r[0]) for r in ratio_rows)
    for label, ratio, goal in ratio_rows:
        print(f"  {label:<{width}}  {ratio:>12}  {goal}")
    print("\ntargets (2 cores):")
    checks = [
        (f"national run {best:.2f} s < 3 s and >= 5x naive ({naive_seconds / best:.1f}x)",
         best < 3 and naive_seconds / best >= 5),
        (f"national run of the generic letter with its chart {generic_seconds:.2f} s < 2 s", generic_seconds < 2),
        (f"stats on 200k rows: csv {stats_times['csv']:.2f} s, xlsx {stats_times['xlsx']:.2f} s < 5 s",
         max(stats_times.values()) < 5),
        (f"--help {min(help_times):.2f} s < 0.3 s", min(help_times) < 0.3),
        (f"send: dry run {dry_seconds:.2f} s < 3 s, unpaced send {send_seconds:.2f} s < 15 s",
         dry_seconds < 3 and send_seconds < 15),
        (f"site for every council {site_seconds:.2f} s < 10 s", site_seconds < 10),
        (f"check on 200k rows of unknown names: {', '.join(f'{t:.2f} s' for t in unknown_times.values())} < 10 s",
         max(unknown_times.values()) < 10),
        (f"peak memory of the national run {national_memory:.0f} MB < 500 MB", national_memory < 500),
    ]
    if pdf_seconds is not None:
        speedup = f", {per_letter_soffice * letters / pdf_seconds:.1f}x one soffice per letter" if per_letter_soffice else ""  # type: ignore[operator]
        checks.append((f"tagged PDF of every letter, with the chart {pdf_seconds:.1f} s <= 25 s{speedup}",
                       pdf_seconds <= 25 and (not per_letter_soffice or per_letter_soffice * letters / pdf_seconds >= 8)))  # type: ignore[operator]
    for text, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {text}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
